/*
 * cmd_keys.c - `leadgate keys create|list|revoke`: the API keys of
 * `leadgate serve` (jobs/keys.c).  A new key is printed once, as the last
 * line, so that a script takes it with `tail -n1`.
 */
#include "cli.h"
#include "store/store.h"

#include <jansson.h>

#include <string.h>

enum { OPT_NAME = 256, OPT_SCOPE };

static const struct cli_option keys_opts[] = {
	{"name", OPT_NAME, "NAME", "create: the key's name, 1-64 of A-Z a-z 0-9 . _ -"},
	{"scope", OPT_SCOPE, "LIST",
	 "create: what it may do: verify (default), jobs, lists, bounces, events, leads, admin"},
	{"format", 'f', "FMT", "text (default) or json"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct keys_args {
	const char *name, *scope;
	bool json;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct keys_args *a = arg;
	switch (key) {
	case OPT_NAME: a->name = val; return -1;
	case OPT_SCOPE: a->scope = val; return -1;
	case 'f': return cli_text_json_opt(val, &a->json);
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout,
		  "leadgate keys create --name NAME [--scope LIST]\n"
		  "       leadgate keys list\n"
		  "       leadgate keys revoke NAME",
		  "The API keys of 'leadgate serve': every request to it carries one\n"
		  "(Authorization: Bearer KEY).  create makes a key and prints it once, as\n"
		  "the last line (the database keeps only its SHA-256 digest: a key lost\n"
		  "is revoked and replaced); it creates the database when there is none.\n"
		  "A key's scopes say what it may do; without --scope it may only verify.\n"
		  "list shows every key, never the key itself; revoke stops a key (a\n"
		  "running server refuses it from its next look at the keys) and keeps its\n"
		  "name taken.",
		  keys_opts);
}

static json_t *scopes_json(unsigned scopes)
{
	json_t *a = json_array();
	char buf[128], *save = NULL;
	job_scopes_name(scopes, buf, sizeof(buf));
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(w));
	return a;
}

static json_t *time_json(int64_t t)
{
	char at[LG_TIME_LEN];
	if (!t)
		return json_null();
	lg_time_format(t, at, sizeof(at));
	return json_string(at);
}

static void dump(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

static enum lg_status create(const struct keys_args *a, struct lg_err *err)
{
	unsigned scopes = JOB_SCOPE_VERIFY;
	struct store *s = NULL;
	char *key = NULL, names[128];
	int64_t now = cli_now();
	enum lg_status st = LG_OK;

	/* Everything the command line says is checked before the database
	 * is opened (and made, when missing). */
	if (a->scope)
		st = job_scopes_parse(a->scope, &scopes, err);
	if (st == LG_OK && !job_key_name_ok(a->name, err))
		st = LG_EUSAGE;
	if (st == LG_OK)
		st = store_open(&s, cli_common.db, STORE_CREATE, err);
	if (st == LG_OK)
		st = job_key_create(s, a->name, scopes, now, &key, err);
	if (st == LG_OK && a->json) {
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(a->name));
		json_object_set_new(o, "scopes", scopes_json(scopes));
		json_object_set_new(o, "created_at", time_json(now));
		json_object_set_new(o, "key", json_string(key));
		dump(o);
	} else if (st == LG_OK) {
		printf("created API key '%s' (scopes: %s) in %s\n"
		       "the key follows; it is shown this once (the database keeps only its "
		       "digest):\n"
		       "%s\n",
		       a->name, job_scopes_name(scopes, names, sizeof(names)), store_path(s), key);
	}
	if (key)
		explicit_bzero(key, strlen(key));
	free(key);
	store_close(s);
	return st;
}

static enum lg_status list(const struct keys_args *a, struct lg_err *err)
{
	struct store *s = NULL;
	struct job_key *k = NULL;
	size_t n = 0;
	enum lg_status st = store_open(&s, cli_common.db, STORE_READ, err);

	if (st == LG_OK)
		st = job_keys_list(s, &k, &n, err);
	if (st == LG_OK && a->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "name", json_string(k[i].name));
			json_object_set_new(o, "scopes", scopes_json(k[i].scopes));
			json_object_set_new(o, "created_at", time_json(k[i].created_at));
			json_object_set_new(o, "revoked_at", time_json(k[i].revoked_at));
			json_array_append_new(arr, o);
		}
		dump(arr);
	} else if (st == LG_OK) {
		printf("%-24s %-40s %-20s  %s\n", "NAME", "SCOPES", "CREATED", "REVOKED");
		for (size_t i = 0; i < n; i++) {
			char names[128], created[LG_TIME_LEN], revoked[LG_TIME_LEN] = "-";
			lg_time_format(k[i].created_at, created, sizeof(created));
			if (k[i].revoked_at)
				lg_time_format(k[i].revoked_at, revoked, sizeof(revoked));
			printf("%-24s %-40s %-20s  %s\n", k[i].name,
			       job_scopes_name(k[i].scopes, names, sizeof(names)), created,
			       revoked);
		}
	}
	free(k);
	store_close(s);
	return st;
}

static enum lg_status revoke(const char *name, struct lg_err *err)
{
	struct store *s = NULL;
	bool was = false;
	enum lg_status st = store_open(&s, cli_common.db, STORE_WRITE, err);

	if (st == LG_OK)
		st = job_key_revoke(s, name, cli_now(), &was, err);
	if (st == LG_OK)
		printf(was ? "API key '%s' was already revoked\n" : "revoked API key '%s'\n", name);
	store_close(s);
	return st;
}

int cmd_keys(int argc, char **argv)
{
	struct keys_args a = {0};
	struct lg_err err = {{0}};
	enum lg_status st;
	int first, rc = cli_parse(argc, argv, "keys", keys_opts, help, on_opt, &a, &first);

	if (rc >= 0)
		return rc;
	if (first >= argc)
		return cli_usage_error("keys wants create, list or revoke (see 'leadgate keys "
				       "--help')");
	const char *sub = argv[first];
	int operands = argc - first - 1;
	bool is_create = !strcmp(sub, "create");
	if (!is_create && strcmp(sub, "list") && strcmp(sub, "revoke"))
		return cli_usage_error("keys: unknown subcommand '%s' (create, list or revoke)",
				       sub);
	if (!is_create && (a.name || a.scope))
		return cli_usage_error("keys %s does not take --%s", sub, a.name ? "name" : "scope");
	if (is_create) {
		if (operands)
			return cli_usage_error("keys create takes no operand ('%s'): the name "
					       "is --name NAME",
					       argv[first + 1]);
		if (!a.name)
			return cli_usage_error("keys create wants --name NAME");
		st = create(&a, &err);
	} else if (!strcmp(sub, "list")) {
		if (operands)
			return cli_usage_error("keys list takes no operand ('%s')", argv[first + 1]);
		st = list(&a, &err);
	} else {
		if (operands != 1)
			return cli_usage_error("keys revoke wants one NAME");
		if (a.json)
			return cli_usage_error("keys revoke does not take --format");
		st = revoke(argv[first + 1], &err);
	}
	return cli_exit(st, &err);
}
