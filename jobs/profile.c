/*
 * profile.c - what a contact list says of a contact besides its address:
 * which columns hold its title, company, industry, region, employees and
 * name
 * (by the header names CRM exports use), and what their cells say, as the
 * store keeps it (struct store_profile).
 */
#include "jobs.h"
#include "store/store.h"

#include <string.h>

/*
 * Which profile column a header names, or -1: the names CRM exports use
 * (HubSpot, Salesforce, Apollo, ZoomInfo), compared ignoring case, blanks,
 * '_' and '-'.
 */
int job_profile_column(const char *name, size_t len)
{
	static const struct {
		const char *name;
		int col;
	} known[] = {
		{"title", JOB_PROFILE_TITLE},
		{"jobtitle", JOB_PROFILE_TITLE},
		{"position", JOB_PROFILE_TITLE},
		{"role", JOB_PROFILE_TITLE},
		{"company", JOB_PROFILE_COMPANY},
		{"companyname", JOB_PROFILE_COMPANY},
		{"accountname", JOB_PROFILE_COMPANY},
		{"organization", JOB_PROFILE_COMPANY},
		{"organisation", JOB_PROFILE_COMPANY},
		{"industry", JOB_PROFILE_INDUSTRY},
		{"region", JOB_PROFILE_REGION},
		{"country", JOB_PROFILE_REGION},
		{"employees", JOB_PROFILE_EMPLOYEES},
		{"numberofemployees", JOB_PROFILE_EMPLOYEES},
		{"employeecount", JOB_PROFILE_EMPLOYEES},
		{"companysize", JOB_PROFILE_EMPLOYEES},
		{"headcount", JOB_PROFILE_EMPLOYEES},
		{"numemployees", JOB_PROFILE_EMPLOYEES},
		{"estimatednumemployees", JOB_PROFILE_EMPLOYEES},
		{"firstname", JOB_PROFILE_FIRST_NAME},
		{"first", JOB_PROFILE_FIRST_NAME},
		{"givenname", JOB_PROFILE_FIRST_NAME},
		{"fname", JOB_PROFILE_FIRST_NAME},
		{"lastname", JOB_PROFILE_LAST_NAME},
		{"last", JOB_PROFILE_LAST_NAME},
		{"surname", JOB_PROFILE_LAST_NAME},
		{"familyname", JOB_PROFILE_LAST_NAME},
		{"lname", JOB_PROFILE_LAST_NAME},
		{"name", JOB_PROFILE_NAME},
		{"fullname", JOB_PROFILE_NAME},
		{"contactname", JOB_PROFILE_NAME},
		{"personname", JOB_PROFILE_NAME},
	};
	char k[32];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = (char)lg_ascii_lower((unsigned char)name[i]);
		if (c == ' ' || c == '_' || c == '-' || c == '\t')
			continue;
		if (n + 1 >= sizeof(k))
			return -1;
		k[n++] = c;
	}
	k[n] = '\0';
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (!strcmp(k, known[i].name))
			return known[i].col;
	return -1;
}

/*
 * Employees from a cell as exports write them: "1200", "1,200", "1.200"
 * (a point before exactly three digits groups thousands), "51-200" (a
 * band: its first number), "10001+", "10K" / "2.5k" (thousands); -1 when
 * there is no number.
 */
static long employees_of(const char *s, size_t n)
{
	size_t i = 0;
	double v = 0, scale = 0; /* scale > 0: digits after a decimal point */
	bool any = false;
	while (i < n && !lg_ascii_is_digit((unsigned char)s[i]))
		i++;
	for (; i < n; i++) {
		char c = s[i];
		if (lg_ascii_is_digit((unsigned char)c)) {
			if (v > 1e9)
				return -1;
			if (scale > 0) {
				v += (c - '0') * scale;
				scale /= 10;
			} else {
				v = v * 10 + (c - '0');
			}
			any = true;
		} else if (c == ',' && scale == 0) {
			continue;
		} else if (c == '.' && scale == 0) {
			size_t d = 0;
			while (i + 1 + d < n && lg_ascii_is_digit((unsigned char)s[i + 1 + d]))
				d++;
			if (d == 3 && !(i + 4 < n && (s[i + 4] == 'k' || s[i + 4] == 'K')))
				continue; /* 1.200: thousands */
			scale = 0.1;
		} else {
			break;
		}
	}
	if (!any)
		return -1;
	if (i < n && (s[i] == 'k' || s[i] == 'K'))
		v *= 1000;
	return (long)(v + 0.5);
}

static const char *cell_dup(struct lg_arena *a, const struct io_cell *c)
{
	if (!c->s)
		return NULL;
	const char *s = c->s;
	size_t n = c->len;
	lg_ascii_trim(&s, &n);
	return lg_arena_memdup(a, s, n);
}

void job_profile_of(struct lg_arena *a, const struct io_cell *cell, struct store_profile *out)
{
	out->title = cell_dup(a, &cell[JOB_PROFILE_TITLE]);
	out->company = cell_dup(a, &cell[JOB_PROFILE_COMPANY]);
	out->industry = cell_dup(a, &cell[JOB_PROFILE_INDUSTRY]);
	out->region = cell_dup(a, &cell[JOB_PROFILE_REGION]);
	const struct io_cell *e = &cell[JOB_PROFILE_EMPLOYEES];
	out->employees = e->s ? employees_of(e->s, e->len) : -1;
	out->first_name = cell_dup(a, &cell[JOB_PROFILE_FIRST_NAME]);
	out->last_name = cell_dup(a, &cell[JOB_PROFILE_LAST_NAME]);
	out->name = cell_dup(a, &cell[JOB_PROFILE_NAME]);
}
