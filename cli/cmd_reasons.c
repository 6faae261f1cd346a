/* cmd_reasons.c - `leadgate reasons`: the reason-code table. */
#include "cli.h"

#include <string.h>

/* `leadgate reasons`: the code table, tab-separated, for people and scripts. */
int cmd_reasons(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("Usage: leadgate reasons\nList every reason code: name, status, "
			       "meaning.\n");
			return 0;
		}
		return cli_usage_error("reasons takes no arguments");
	}
	for (int i = 0; i < VERIFY_R_COUNT; i++) {
		enum verify_reason r = (enum verify_reason)i;
		printf("%s\t%s\t%s\n", verify_reason_name(r),
		       verify_status_name(verify_reason_status(r)), verify_reason_doc(r));
	}
	return 0;
}
