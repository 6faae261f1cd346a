/*
 * fuzz_dns_answer.c - the DNS stage's pure step, dns_step_eval(), on any
 * reply: the first byte chooses the query the reply answers (MX, A,
 * AAAA) and what came back (a reply, or a failure c-ares reported), the
 * rest is the reply as it came off the wire.
 *
 * Every step must keep dns_int.h's promises: a pending step names the
 * next query in the MX -> A -> AAAA order, an MX outcome has a lower-case
 * host of at most 253 bytes, a TTL within the clamps.
 */
#include "dns/dns_int.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_step st;

	if (size < 1)
		return -1;
	enum dns_query q = (enum dns_query)(data[0] % 3);
	/* Mostly replies: failures without one are a few lines of code. */
	unsigned f = data[0] / 3 % 16;
	enum dns_fail fail = f <= DNS_FAIL_TIMEOUT ? (enum dns_fail)f : DNS_FAIL_NONE;
	dns_step_eval(q, fail, data + 1, size - 1, &st);

	FUZZ_CHECK(st.ttl >= DNS_TTL_MIN && st.ttl <= DNS_TTL_MAX);
	if (st.outcome == DNS_PENDING)
		FUZZ_CHECK(st.next == q + 1);
	size_t n = strnlen(st.mx, sizeof(st.mx));
	FUZZ_CHECK(n <= DNS_NAME_MAX);
	if (st.outcome == DNS_MX) {
		FUZZ_CHECK(n > 0);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(st.mx[i] < 'A' || st.mx[i] > 'Z');
	} else {
		FUZZ_CHECK(n == 0);
	}
	return 0;
}
