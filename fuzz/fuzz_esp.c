/*
 * fuzz_esp.c - the webhook checks of serve/esp.h on any bytes: the input as
 * a Mailgun body, an SNS body, a SendGrid body and an Authorization header.
 *
 * Promises checked: every answer one of the enum's; a Mailgun token only
 * with ESP_AUTH_OK, NUL-terminated, non-empty and shorter than
 * ESP_MAILGUN_TOKEN_MAX; a SubscribeURL only for a
 * SubscriptionConfirmation, and "may be fetched" only when
 * esp_sns_url_ok() says so of the URL given; and SendGrid's signature
 * unforgeable: with the published vector's key, signature and timestamp,
 * ESP_AUTH_OK for the vector's payload alone.
 */
#include "fuzz/fuzz.h"
#include "serve/esp.h"

/* SendGrid's published vector (tests/vectors/esp/sendgrid-doc-*). */
static const char sg_pub[] = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDq"
			     "BaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==";
static const char sg_sig[] = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZ"
			     "Gi6BpSzoQsbVRamr2nlxFDWYNH2j/0=";
static const char sg_ts[] = "1588788367";
static const char sg_payload[] =
	"{\"category\":\"example_payload\",\"event\":\"test_event\",\"message_id\":\"message_id\"}";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char token[ESP_MAILGUN_TOKEN_MAX], url[2048];
	bool url_ok = true;

	/* The key and time of tests/vectors/esp/gen.sh, so that the seeds
	 * signed there reach the digest's comparison and the window. */
	enum esp_auth a = esp_mailgun_check(body, size, "key-test-4f1c9a7e2b6d8053", 1765000000,
					    ESP_WINDOW_DEFAULT, token, sizeof(token));
	FUZZ_CHECK(a <= ESP_AUTH_STALE);
	if (a == ESP_AUTH_OK)
		FUZZ_CHECK(token[0] && strlen(token) < ESP_MAILGUN_TOKEN_MAX);
	else
		FUZZ_CHECK(token[0] == '\0');

	enum esp_sns_type t = esp_sns_classify(body, size, url, sizeof(url), &url_ok);
	FUZZ_CHECK(t <= ESP_SNS_UNSUBSCRIBE);
	FUZZ_CHECK(strlen(url) < sizeof(url));
	if (t != ESP_SNS_SUBSCRIBE)
		FUZZ_CHECK(!url[0] && !url_ok);
	FUZZ_CHECK(url_ok == (url[0] && esp_sns_url_ok(url)));

	a = esp_sendgrid_check(body, size, sg_sig, sg_ts, sg_pub, 1588788367, ESP_WINDOW_DEFAULT);
	FUZZ_CHECK(a == ESP_AUTH_OK || a == ESP_AUTH_BAD);
	FUZZ_CHECK((a == ESP_AUTH_OK) ==
		   (size == sizeof(sg_payload) - 1 && !memcmp(body, sg_payload, size)));

	/* The input up to its first NUL as a header value. */
	char *header = lg_xmemdup(data, size);
	a = esp_basic_check(header, "leadgate", "s3cret pass");
	FUZZ_CHECK(a <= ESP_AUTH_BAD);
	free(header);
	return 0;
}
