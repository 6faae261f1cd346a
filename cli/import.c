/*
 * import.c - what `bounces import` and `events import` share on the
 * command line: the operands (`import FILE...`) and the exit status of a
 * run that went to its end (jobs/import.c imports the files).
 */
#include "cli.h"

#include <string.h>

int cli_import_operands(int argc, char **argv, int *first, const char *cmd)
{
	if (*first >= argc || strcmp(argv[*first], "import"))
		return cli_usage_error("%s wants 'import FILE...' (see 'leadgate %s --help')", cmd,
				       cmd);
	if (++*first >= argc)
		return cli_usage_error("%s import wants at least one FILE", cmd);
	return -1;
}

int cli_import_status(const char *cmd, const struct job_import_report *r)
{
	if (!r->opened)
		return lg_exit_code(r->unreadable); /* each file said; no database is made */
	if (!r->failed)
		return 0;
	cli_error("%s import: %d of %d files not imported (named above)", cmd, r->failed, r->n);
	return lg_exit_code(LG_EDATA);
}

void cli_import_notice(void *arg, enum job_notice kind, const char *msg)
{
	(void)arg, (void)kind;
	cli_error("%s", msg);
}
