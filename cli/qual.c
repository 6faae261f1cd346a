/*
 * qual.c - what the qualification commands share (evidence, qualify,
 * contact, decide, report, funnel; a file each): the options each of
 * them takes, so that one given to another is refused by name, and a
 * contact's job options.
 */
#include "cli.h"
#include "conf/conf.h"

#include <stdlib.h>

/* Every option of the family, in the order a refusal names the first. */
static const struct cli_option family[] = {
	{"format", 'f', "FMT", NULL},
	{"config", 'c', "FILE", NULL},
	{"framework", QUAL_OPT_FRAMEWORK, "F", NULL},
	{"criterion", QUAL_OPT_CRITERION, "NAME", NULL},
	{"status", QUAL_OPT_STATUS, "S", NULL},
	{"confidence", QUAL_OPT_CONFIDENCE, "X", NULL},
	{"source", QUAL_OPT_SOURCE, "SRC", NULL},
	{"valid-until", QUAL_OPT_VALID_UNTIL, "TIME", NULL},
	{"note", QUAL_OPT_NOTE, "TEXT", NULL},
	{"reason", QUAL_OPT_REASON, "CODE", NULL},
	{"by", QUAL_OPT_BY, "NAME", NULL},
	{"customers", QUAL_OPT_CUSTOMERS, "N", NULL},
	{"rates", QUAL_OPT_RATES, "R1,R2,R3,R4", NULL},
};
#define NFAMILY (sizeof(family) / sizeof(*family))

struct parse {
	const struct cli_option *own;
	int (*on_opt)(void *arg, int key, const char *val);
	void *arg;
	unsigned foreign; /* bit i: family[i] given, not the command's */
};

static bool takes(const struct cli_option *own, int key)
{
	for (const struct cli_option *o = own; o->name; o++)
		if (o->key == key)
			return true;
	return false;
}

static int on_any(void *arg, int key, const char *val)
{
	struct parse *p = arg;
	if (takes(p->own, key))
		return p->on_opt(p->arg, key, val);
	for (size_t i = 0; i < NFAMILY; i++)
		if (family[i].key == key)
			p->foreign |= 1u << i;
	return -1;
}

int qual_parse(int argc, char **argv, const char *cmd, const struct cli_option *own,
	       void (*help)(void), int (*on_opt)(void *arg, int key, const char *val), void *arg,
	       int *first, unsigned *foreign)
{
	/* The command's options and the others of the family: getopt knows
	 * every one of them (and their abbreviations) whichever command runs. */
	size_t n = 0;
	while (own[n].name)
		n++;
	struct cli_option *all = lg_xcalloc(n + NFAMILY + 1, sizeof(*all));
	for (size_t i = 0; i < n; i++)
		all[i] = own[i];
	for (size_t i = 0; i < NFAMILY; i++)
		if (!takes(own, family[i].key))
			all[n++] = family[i];
	struct parse p = {own, on_opt, arg, 0};
	int rc = cli_parse(argc, argv, cmd, all, help, on_any, &p, first);
	free(all);
	*foreign = p.foreign;
	return rc;
}

bool qual_refuse(const char *cmd, unsigned foreign)
{
	for (size_t i = 0; i < NFAMILY; i++)
		if (foreign & (1u << i)) {
			cli_error("%s does not take --%s", cmd, family[i].name);
			return true;
		}
	return false;
}

enum lg_status qual_lead_opts(struct job_lead_opts *o, struct conf *conf, const char *config,
			      const char *email, struct lg_err *err)
{
	*o = (struct job_lead_opts){.conf = conf,
				    .db = cli_common.db,
				    .email = email,
				    .now = cli_now()};
	conf_init(conf);
	return conf_load(conf, config, err);
}
