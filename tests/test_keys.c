/*
 * test_keys.c - the service's API keys (jobs/keys.c over store/keys.c),
 * on real database files: creating, checking, revoking, listing, the
 * keyring a server holds and its refresh when another connection
 * changes the keys, the scopes and the names.  The shared fixture (a
 * temporary directory, direct queries) is store_fixture.h.
 */
#include "jobs/jobs.h"

#include <gnutls/crypto.h>

#include "store_fixture.h"

/* A database of its own, opened for writing. */
static struct store *fresh(char *path, size_t cap, const char *name)
{
	db_path(path, cap, name);
	return open_write(path);
}

/* A new key; the test fails when it cannot be made.  Owned: free(). */
static char *create(struct store *s, const char *name, unsigned scopes, int64_t now)
{
	struct lg_err e = {{0}};
	char *key = NULL;
	if (job_key_create(s, name, scopes, now, &key, &e) != LG_OK)
		fail_msg("job_key_create(%s): %s", name, e.msg);
	assert_non_null(key);
	return key;
}

static struct job_keyring *ring(struct store *s)
{
	struct job_keyring *kr = NULL;
	struct lg_err e = {{0}};
	if (job_keyring_open(&kr, s, &e) != LG_OK)
		fail_msg("job_keyring_open: %s", e.msg);
	return kr;
}

static bool refresh(struct job_keyring *kr)
{
	struct lg_err e = {{0}};
	bool changed = false;
	if (job_keyring_refresh(kr, &changed, &e) != LG_OK)
		fail_msg("job_keyring_refresh: %s", e.msg);
	return changed;
}

static const struct job_key *check(const struct job_keyring *kr, const char *token)
{
	return job_keyring_check(kr, token, strlen(token));
}

/* ---- the key's form ------------------------------------------------------ */

static bool in(const char *set, char c)
{
	return c && strchr(set, c);
}

static void test_key_format(void **state)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char path[512];
	(void)state;

	struct store *s = fresh(path, sizeof(path), "format.db");
	char *key = create(s, "ci", JOB_SCOPE_VERIFY, T0);
	assert_int_equal(strlen(key), JOB_KEY_LEN);
	assert_memory_equal(key, "lg_", 3);
	for (int i = 3; i < 13; i++)
		assert_true(in(b32, key[i]));
	assert_int_equal(key[13], '_');
	for (int i = 14; i < 57; i++)
		assert_true(in(b64url, key[i]));
	/* 32 bytes in 43 characters: the last one carries 4 bits, its low 2 zero */
	assert_int_equal((strchr(b64url, key[56]) - b64url) & 3, 0);
	free(key);
	store_close(s);
}

/* ---- checking ------------------------------------------------------------- */

static void test_create_then_check(void **state)
{
	char path[512];
	(void)state;

	struct store *s = fresh(path, sizeof(path), "check.db");
	char *a = create(s, "alpha", JOB_SCOPE_VERIFY | JOB_SCOPE_LISTS, T0);
	char *b = create(s, "beta.2_x-y", JOB_SCOPE_ADMIN, T0 + 5);
	struct job_keyring *kr = ring(s);
	assert_int_equal(job_keyring_count(kr), 2);

	const struct job_key *k = check(kr, a);
	assert_non_null(k);
	assert_string_equal(k->name, "alpha");
	assert_int_equal(k->scopes, JOB_SCOPE_VERIFY | JOB_SCOPE_LISTS);
	assert_int_equal(k->created_at, T0);
	assert_int_equal(k->revoked_at, 0);
	assert_int_equal(k->index, 0);
	k = check(kr, b);
	assert_non_null(k);
	assert_string_equal(k->name, "beta.2_x-y");
	assert_int_equal(k->scopes, JOB_SCOPE_ADMIN);
	assert_int_equal(k->index, 1);

	/* The token need not be NUL-terminated: a key inside a longer header. */
	char header[128];
	snprintf(header, sizeof(header), "Bearer %s, more", a);
	k = job_keyring_check(kr, header + 7, JOB_KEY_LEN);
	assert_non_null(k);
	assert_string_equal(k->name, "alpha");

	job_keyring_close(kr);
	free(a);
	free(b);
	store_close(s);
}

static void test_wrong_secret_rejected(void **state)
{
	char path[512];
	(void)state;

	struct store *s = fresh(path, sizeof(path), "wrong.db");
	char *a = create(s, "alpha", JOB_SCOPE_VERIFY, T0);
	char *b = create(s, "beta", JOB_SCOPE_VERIFY, T0);
	struct job_keyring *kr = ring(s);
	char forged[JOB_KEY_LEN + 1];

	assert_non_null(check(kr, a));
	/* Each character of the secret changed in turn: the same id, refused. */
	for (int i = 14; i < JOB_KEY_LEN; i++) {
		memcpy(forged, a, sizeof(forged));
		forged[i] = forged[i] == 'A' ? 'B' : 'A';
		assert_null(check(kr, forged));
	}
	/* a's id with b's secret */
	memcpy(forged, a, 14);
	memcpy(forged + 14, b + 14, JOB_KEY_LEN - 14 + 1);
	assert_null(check(kr, forged));
	/* an id no key has, with a's secret */
	memcpy(forged, a, sizeof(forged));
	forged[3] = forged[3] == 'a' ? 'b' : 'a';
	assert_null(check(kr, forged));

	job_keyring_close(kr);
	free(a);
	free(b);
	store_close(s);
}

static void test_malformed_tokens(void **state)
{
	char path[512], t[2 * JOB_KEY_LEN];
	(void)state;

	struct store *s = fresh(path, sizeof(path), "malformed.db");
	char *a = create(s, "alpha", JOB_SCOPE_VERIFY, T0);
	struct job_keyring *kr = ring(s);
	assert_non_null(check(kr, a));

	assert_null(job_keyring_check(kr, "", 0));
	assert_null(job_keyring_check(kr, NULL, 0));
	assert_null(job_keyring_check(kr, a, 0));
	/* no prefix, another prefix, the prefix upper-case */
	assert_null(check(kr, a + 3));
	memcpy(t, a, JOB_KEY_LEN + 1);
	t[0] = 'x';
	assert_null(check(kr, t));
	memcpy(t, a, JOB_KEY_LEN + 1);
	t[0] = 'L', t[1] = 'G';
	assert_null(check(kr, t));
	/* truncated, by one and by more */
	assert_null(job_keyring_check(kr, a, JOB_KEY_LEN - 1));
	assert_null(job_keyring_check(kr, a, 14));
	assert_null(job_keyring_check(kr, a, 3));
	/* extra bytes after it */
	snprintf(t, sizeof(t), "%sA", a);
	assert_null(check(kr, t));
	snprintf(t, sizeof(t), "%s ", a);
	assert_null(check(kr, t));
	/* a NUL inside, where a character of the secret or id was */
	memcpy(t, a, JOB_KEY_LEN + 1);
	t[30] = '\0';
	assert_null(job_keyring_check(kr, t, JOB_KEY_LEN));
	memcpy(t, a, JOB_KEY_LEN + 1);
	t[5] = '\0';
	assert_null(job_keyring_check(kr, t, JOB_KEY_LEN));
	/* the separator missing, the id upper-case, a character outside the alphabets */
	memcpy(t, a, JOB_KEY_LEN + 1);
	t[13] = 'a';
	assert_null(check(kr, t));
	memcpy(t, a, JOB_KEY_LEN + 1);
	for (int i = 3; i < 13; i++)
		if (t[i] >= 'a' && t[i] <= 'z')
			t[i] = (char)(t[i] - 'a' + 'A');
	assert_null(check(kr, t));
	memcpy(t, a, JOB_KEY_LEN + 1);
	t[40] = '=';
	assert_null(check(kr, t));
	memcpy(t, a, JOB_KEY_LEN + 1);
	t[3] = '1'; /* not in base32's alphabet */
	assert_null(check(kr, t));
	/* and the key itself still passes */
	assert_non_null(check(kr, a));

	job_keyring_close(kr);
	free(a);
	store_close(s);
}

/* ---- revoking and refreshing ---------------------------------------------- */

static void test_revoke_then_refresh(void **state)
{
	char path[512];
	struct lg_err e = {{0}};
	bool was = true;
	(void)state;

	struct store *s = fresh(path, sizeof(path), "revoke.db");
	char *a = create(s, "alpha", JOB_SCOPE_VERIFY, T0);
	char *b = create(s, "beta", JOB_SCOPE_VERIFY, T0);
	struct job_keyring *kr = ring(s);
	assert_non_null(check(kr, a));

	assert_int_equal(job_key_revoke(s, "alpha", T0 + 60, &was, &e), LG_OK);
	assert_false(was);
	/* the ring is what it read until refreshed */
	assert_non_null(check(kr, a));
	assert_true(refresh(kr));
	assert_null(check(kr, a));
	const struct job_key *k = check(kr, b);
	assert_non_null(k);
	/* the revoked key keeps its place: beta's index is as it was */
	assert_int_equal(k->index, 1);
	assert_int_equal(job_keyring_count(kr), 2);

	/* again: already revoked, its time kept */
	assert_int_equal(job_key_revoke(s, "alpha", T0 + 120, &was, &e), LG_OK);
	assert_true(was);
	assert_int_equal(q1(path, "SELECT revoked_at FROM api_keys WHERE name = 'alpha'"), T0 + 60);
	assert_false(refresh(kr));

	/* a name no key has */
	assert_int_equal(job_key_revoke(s, "gamma", T0, &was, &e), LG_ENOINPUT);
	assert_non_null(strstr(e.msg, "no API key named 'gamma'"));

	/* a revoked key's name stays taken */
	char *key = NULL;
	assert_int_equal(job_key_create(s, "alpha", JOB_SCOPE_VERIFY, T0, &key, &e), LG_EUSAGE);
	assert_null(key);
	assert_non_null(strstr(e.msg, "'alpha'"));
	assert_int_equal(q1(path, "SELECT count(*) FROM api_keys"), 2);

	job_keyring_close(kr);
	free(a);
	free(b);
	store_close(s);
}

static void test_second_connection_seen(void **state)
{
	char path[512];
	struct lg_err e = {{0}};
	bool was;
	(void)state;

	struct store *s = fresh(path, sizeof(path), "second.db");
	char *a = create(s, "alpha", JOB_SCOPE_VERIFY, T0);
	struct job_keyring *kr = ring(s);
	assert_false(refresh(kr));

	/* Another connection, as `leadgate keys create` in another process. */
	struct store *other = open_write(path);
	char *b = create(other, "beta", JOB_SCOPE_JOBS, T0 + 1);
	assert_null(check(kr, b));
	assert_true(refresh(kr));
	const struct job_key *k = check(kr, b);
	assert_non_null(k);
	assert_string_equal(k->name, "beta");
	assert_int_equal(k->index, 1);
	k = check(kr, a);
	assert_non_null(k);
	assert_int_equal(k->index, 0); /* kept */
	assert_false(refresh(kr));

	/* Another table written by the other connection: not a change of keys. */
	begin(other);
	struct dns_result d = {.mx = "mx.example.net",
			       .outcome = DNS_MX,
			       .provider = DNS_PROV_OTHER,
			       .answered_at = T0,
			       .expires_at = T0 + DAY};
	assert_int_equal(store_domain_put(other, "example.net", 11, &d, &e), LG_OK);
	commit(other);
	assert_false(refresh(kr));

	/* Revoked by the other connection. */
	assert_int_equal(job_key_revoke(other, "beta", T0 + 2, &was, &e), LG_OK);
	assert_true(refresh(kr));
	assert_null(check(kr, b));
	assert_non_null(check(kr, a));

	/* And through the ring's own connection. */
	char *c = create(s, "gamma", JOB_SCOPE_VERIFY, T0 + 3);
	assert_true(refresh(kr));
	k = check(kr, c);
	assert_non_null(k);
	assert_int_equal(k->index, 2);
	assert_int_equal(job_keyring_count(kr), 3);
	assert_false(refresh(kr));

	store_close(other);
	job_keyring_close(kr);
	free(a);
	free(b);
	free(c);
	store_close(s);
}

static void test_empty_ring(void **state)
{
	char path[512];
	(void)state;

	struct store *s = fresh(path, sizeof(path), "empty.db");
	struct job_keyring *kr = ring(s);
	assert_int_equal(job_keyring_count(kr), 0);
	assert_null(check(kr, "lg_abcdefghij_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	assert_false(refresh(kr));
	job_keyring_close(kr);
	store_close(s);
}

/* ---- what is kept ----------------------------------------------------------- */

/* Does the file at path hold the bytes [p, p + n)? */
static bool file_holds(const char *path, const char *p, size_t n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;
	bool found = false;
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	found = memmem(buf, (size_t)len, p, n) != NULL;
	free(buf);
	return found;
}

static void test_hash_kept_not_key(void **state)
{
	char path[512], wal[600], got[256], want[256];
	unsigned char digest[32];
	(void)state;

	struct store *s = fresh(path, sizeof(path), "kept.db");
	char *a = create(s, "alpha", JOB_SCOPE_VERIFY, T0);

	/* the row: the public id, and the SHA-256 of the whole key */
	char id[11];
	memcpy(id, a + 3, 10);
	id[10] = '\0';
	assert_string_equal(qtext(path, got, sizeof(got), "SELECT public_id FROM api_keys"), id);
	assert_int_equal(q1(path, "SELECT length(hash) FROM api_keys"), 32);
	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, a, JOB_KEY_LEN, digest), 0);
	for (int i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02X", digest[i]);
	assert_string_equal(qtext(path, got, sizeof(got), "SELECT hex(hash) FROM api_keys"), want);
	/* no column holds the key or its secret part */
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM api_keys WHERE instr(name, '%s') OR"
			    " instr(public_id, '%s') OR instr(hash, CAST('%s' AS BLOB))",
			    a + 14, a + 14, a + 14),
			 0);
	/* nor the database's files, its write-ahead log while it is open */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_true(file_holds(wal, id, 10)); /* the search finds what is there */
	assert_false(file_holds(path, a + 14, JOB_KEY_LEN - 14));
	assert_false(file_holds(wal, a + 14, JOB_KEY_LEN - 14));
	store_close(s);
	assert_true(file_holds(path, id, 10));
	assert_false(file_holds(path, a + 14, JOB_KEY_LEN - 14));
	free(a);
}

static void test_keys_never_equal(void **state)
{
	enum { N = 64 };
	char path[512], name[16], *keys[N];
	(void)state;

	struct store *s = fresh(path, sizeof(path), "distinct.db");
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		keys[i] = create(s, name, JOB_SCOPE_VERIFY, T0);
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++) {
			assert_string_not_equal(keys[i], keys[j]);
			/* neither id nor secret repeats */
			assert_memory_not_equal(keys[i] + 3, keys[j] + 3, 10);
			assert_memory_not_equal(keys[i] + 14, keys[j] + 14, 43);
		}
	assert_int_equal(q1(path, "SELECT count(DISTINCT hash) FROM api_keys"), N);
	struct job_keyring *kr = ring(s);
	for (int i = 0; i < N; i++) {
		const struct job_key *k = check(kr, keys[i]);
		assert_non_null(k);
		assert_int_equal(k->index, (size_t)i);
		free(keys[i]);
	}
	job_keyring_close(kr);
	store_close(s);
}

static void test_list(void **state)
{
	char path[512];
	struct job_key *k = NULL;
	struct lg_err e = {{0}};
	size_t n = 99;
	bool was;
	(void)state;

	struct store *s = fresh(path, sizeof(path), "list.db");
	assert_int_equal(job_keys_list(s, &k, &n, &e), LG_OK);
	assert_int_equal(n, 0);
	free(k);
	free(create(s, "zeta", JOB_SCOPE_VERIFY, T0));
	free(create(s, "alpha", JOB_SCOPE_ADMIN | JOB_SCOPE_LEADS, T0 + 10));
	assert_int_equal(job_key_revoke(s, "zeta", T0 + 20, &was, &e), LG_OK);
	assert_int_equal(job_keys_list(s, &k, &n, &e), LG_OK);
	assert_int_equal(n, 2);
	/* oldest first, not by name */
	assert_string_equal(k[0].name, "zeta");
	assert_int_equal(k[0].scopes, JOB_SCOPE_VERIFY);
	assert_int_equal(k[0].created_at, T0);
	assert_int_equal(k[0].revoked_at, T0 + 20);
	assert_int_equal(k[0].index, 0);
	assert_string_equal(k[1].name, "alpha");
	assert_int_equal(k[1].scopes, JOB_SCOPE_ADMIN | JOB_SCOPE_LEADS);
	assert_int_equal(k[1].revoked_at, 0);
	assert_int_equal(k[1].index, 1);
	free(k);
	store_close(s);
}

/* ---- names and scopes ----------------------------------------------------- */

static void test_names(void **state)
{
	char path[512], long_name[80];
	struct lg_err e = {{0}};
	char *key = NULL;
	(void)state;

	struct store *s = fresh(path, sizeof(path), "names.db");
	memset(long_name, 'n', 64);
	long_name[64] = '\0';
	free(create(s, long_name, JOB_SCOPE_VERIFY, T0));
	free(create(s, "A.b_c-9", JOB_SCOPE_VERIFY, T0));
	free(create(s, "x", JOB_SCOPE_VERIFY, T0));

	static const char *const bad[] = {"", "a b", "a/b", "caf\xc3\xa9", "a,b", "a\tb", "a:b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		e.msg[0] = '\0';
		assert_false(job_key_name_ok(bad[i], &e));
		assert_true(e.msg[0]);
		assert_int_equal(job_key_create(s, bad[i], JOB_SCOPE_VERIFY, T0, &key, &e),
				 LG_EUSAGE);
		assert_null(key);
	}
	long_name[64] = 'n';
	long_name[65] = '\0';
	assert_int_equal(job_key_create(s, long_name, JOB_SCOPE_VERIFY, T0, &key, &e), LG_EUSAGE);
	assert_non_null(strstr(e.msg, "1 to 64"));
	/* taken, live */
	assert_int_equal(job_key_create(s, "x", JOB_SCOPE_VERIFY, T0, &key, &e), LG_EUSAGE);
	assert_non_null(strstr(e.msg, "'x'"));
	/* no scope, an unknown bit */
	assert_int_equal(job_key_create(s, "y", 0, T0, &key, &e), LG_EUSAGE);
	assert_int_equal(job_key_create(s, "y", 1u << 7, T0, &key, &e), LG_EUSAGE);
	assert_null(key);
	assert_int_equal(q1(path, "SELECT count(*) FROM api_keys"), 3);
	store_close(s);
}

static void test_scopes(void **state)
{
	struct lg_err e = {{0}};
	unsigned m = 99;
	char buf[128];
	(void)state;

	assert_int_equal(job_scopes_parse("verify", &m, &e), LG_OK);
	assert_int_equal(m, JOB_SCOPE_VERIFY);
	assert_int_equal(job_scopes_parse("jobs,verify", &m, &e), LG_OK);
	assert_int_equal(m, JOB_SCOPE_VERIFY | JOB_SCOPE_JOBS);
	assert_string_equal(job_scopes_name(m, buf, sizeof(buf)), "verify,jobs");
	assert_int_equal(job_scopes_parse(" leads , admin,leads", &m, &e), LG_OK);
	assert_int_equal(m, JOB_SCOPE_LEADS | JOB_SCOPE_ADMIN);

	/* every mask round-trips */
	for (unsigned mask = 1; mask <= JOB_SCOPE_ALL; mask++) {
		unsigned back = 0;
		job_scopes_name(mask, buf, sizeof(buf));
		assert_int_equal(job_scopes_parse(buf, &back, &e), LG_OK);
		assert_int_equal(back, mask);
	}
	assert_string_equal(job_scopes_name(JOB_SCOPE_ALL, buf, sizeof(buf)),
			    "verify,jobs,lists,bounces,events,leads,admin");
	assert_string_equal(job_scopes_name(0, buf, sizeof(buf)), "");
	/* a buffer too small: cut, still a string */
	assert_string_equal(job_scopes_name(JOB_SCOPE_ALL, buf, 7), "verify");

	/* errors name the word */
	assert_int_equal(job_scopes_parse("verify,jbos", &m, &e), LG_EUSAGE);
	assert_non_null(strstr(e.msg, "'jbos'"));
	assert_int_equal(job_scopes_parse("Verify", &m, &e), LG_EUSAGE);
	assert_non_null(strstr(e.msg, "'Verify'"));
	assert_int_equal(job_scopes_parse("", &m, &e), LG_EUSAGE);
	assert_int_equal(job_scopes_parse("verify,", &m, &e), LG_EUSAGE);
	assert_non_null(strstr(e.msg, "empty"));
	assert_int_equal(job_scopes_parse("verify,,jobs", &m, &e), LG_EUSAGE);

	/* what a scope allows: admin implies every other */
	assert_true(job_scopes_allow(JOB_SCOPE_VERIFY, JOB_SCOPE_VERIFY));
	assert_false(job_scopes_allow(JOB_SCOPE_VERIFY, JOB_SCOPE_JOBS));
	assert_false(job_scopes_allow(JOB_SCOPE_VERIFY, JOB_SCOPE_VERIFY | JOB_SCOPE_JOBS));
	assert_true(job_scopes_allow(JOB_SCOPE_VERIFY | JOB_SCOPE_JOBS, JOB_SCOPE_JOBS));
	assert_true(job_scopes_allow(JOB_SCOPE_ADMIN, JOB_SCOPE_BOUNCES));
	assert_true(job_scopes_allow(JOB_SCOPE_ADMIN, JOB_SCOPE_ADMIN));
	assert_false(job_scopes_allow(JOB_SCOPE_ALL & ~JOB_SCOPE_ADMIN, JOB_SCOPE_ADMIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_format),
		cmocka_unit_test(test_create_then_check),
		cmocka_unit_test(test_wrong_secret_rejected),
		cmocka_unit_test(test_malformed_tokens),
		cmocka_unit_test(test_revoke_then_refresh),
		cmocka_unit_test(test_second_connection_seen),
		cmocka_unit_test(test_empty_ring),
		cmocka_unit_test(test_hash_kept_not_key),
		cmocka_unit_test(test_keys_never_equal),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_scopes),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
