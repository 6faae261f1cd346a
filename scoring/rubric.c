/*
 * rubric.c - the default rubric, its check, and look-ups by name.
 *
 * The defaults are DESIGN.md's figures; conf/leadgate.conf documents
 * them for users.  Everything here is static data: the rubric borrows
 * names and patterns from this file.
 */
#include "scoring_int.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#define DAY ((int64_t)SCORING_DAY)

/* ---- the default rubric ---------------------------------------------------- */

static const struct scoring_class default_cls[] = {
	/* name            axis                 half-life  cap */
	{"demo", SCORING_ENGAGEMENT, 30 * DAY, 0},
	{"pricing", SCORING_ENGAGEMENT, 14 * DAY, 0},
	{"reply", SCORING_ENGAGEMENT, 21 * DAY, 0},
	{"webinar", SCORING_ENGAGEMENT, 45 * DAY, 0},
	{"content", SCORING_ENGAGEMENT, 30 * DAY, 40},
	{"click", SCORING_ENGAGEMENT, 10 * DAY, 15},
	{"open", SCORING_ENGAGEMENT, 7 * DAY, 5},
	{"unsubscribe", SCORING_ENGAGEMENT, 90 * DAY, 0},
	{"product", SCORING_PRODUCT, 14 * DAY, 0},
	{"funding", SCORING_INTENT, 90 * DAY, 0},
	{"hiring", SCORING_INTENT, 30 * DAY, 0},
	{"exec_change", SCORING_INTENT, 60 * DAY, 0},
	{"tech_change", SCORING_INTENT, 60 * DAY, 0},
	{"content_surge", SCORING_INTENT, 14 * DAY, 0},
};
enum {
	C_DEMO,
	C_PRICING,
	C_REPLY,
	C_WEBINAR,
	C_CONTENT,
	C_CLICK,
	C_OPEN,
	C_UNSUB,
	C_PRODUCT,
	C_FUNDING,
	C_HIRING,
	C_EXEC,
	C_TECH,
	C_SURGE
};

static const struct scoring_type default_type[] = {
	/* name               points class      cap  high   min_count */
	{"demo_request", 50, C_DEMO, 1, true, 0, -1},
	{"pricing_visit", 30, C_PRICING, 1, true, 0, -1},
	{"email_reply", 20, C_REPLY, 3, true, 0, -1},
	{"webinar_attended", 15, C_WEBINAR, 1, true, 0, -1},
	{"content_download", 10, C_CONTENT, 3, false, 0, -1},
	{"email_click", 3, C_CLICK, 5, false, 0, -1},
	{"email_open", 1, C_OPEN, 3, false, 0, -1},
	{"unsubscribe", -25, C_UNSUB, 1, false, 0, -1},
	{"product_login", 2, C_PRODUCT, 1, false, 0, -1},
	{"feature_used", 5, C_PRODUCT, 3, false, 0, -1},
	{"invite_sent", 10, C_PRODUCT, 2, false, 0, -1},
	{"funding", 20, C_FUNDING, 1, false, 0, -1},
	{"hiring_surge", 15, C_HIRING, 1, false, 5, -1},
	{"exec_change", 15, C_EXEC, 1, false, 0, -1},
	{"tech_change", 10, C_TECH, 1, false, 0, -1},
	{"content_surge", 10, C_SURGE, 1, false, 0, -1},
};

/*
 * Title rules, first match wins, matched caseless with Unicode word
 * boundaries.  The order carries meaning:
 *
 *  - student first, but only on whole words: "International Sales
 *    Director" holds "intern" and is not an intern; "Student Success
 *    Manager" is staff.
 *  - C-level before VP: "President" is C-level, "Vice President" (and
 *    "Vice-Président", "Vizepräsident", 副社長) is not, hence the
 *    look-behinds.  Assistants and secretaries to an executive are not
 *    executives ("Executive Assistant to the CEO").  "Product Owner" is a
 *    Scrum role, not an owner.  "Director General", "Directeur général",
 *    "Managing Director", "Geschäftsführer", "PDG" run a company.
 *  - VP / director before manager: "General Manager", "Head of ...".
 *  - manager: "Leiter" also inside German compounds (Teamleiter,
 *    Projektleiter), "Jefe", "Responsable", "Chef de projet".
 *  - anything else with a letter or digit is an individual contributor.
 */
static const char student_re[] =
	"\\b(?:intern|trainee|apprentice|apprenti|apprentie|aprendiz"
	"|student(?!\\s+(?:success|services?|affairs|recruit|experience|support|life|enrol"
	"|engagement|marketing|admissions))"
	"|werkstudent(?:in)?|praktikant(?:in)?|auszubildende[rn]?|azubi"
	"|stagiaire|stagiair|stagista|tirocinante|becari[oa]|pasante|estagi[aá]ri[oa]"
	"|[eé]tudiante?|estudiante|studente(?:ssa)?|sta[zż]ysta|sta[zż]ystka"
	"|стаж[её]р|студент(?:ка)?|практикант(?:ка)?)\\b"
	"|インターン|実習生|实习生|實習生|研修生|인턴";

static const char c_level_re[] =
	"^(?!.*assist)(?!.*\\b(?:former|ex)[\\s-])(?!.*\\b(?:secretary|secr[eé]taire|sekret[aä]r(?:"
	"in)?|secretari[oa]|ea|pa)"
	"\\s+(?:to|of|de|du|des|der|del|for)\\b)"
	".*?(?:"
	"\\bc(?:[eotfmirpdcsa]o|iso|hro)\\b"
	"|\\bchief\\s+(?!of\\s+staff)[\\w\\s&-]{0,40}?\\bofficer\\b|\\bchief\\s+executive\\b"
	"|(?<!vice[\\s-])(?<!vize[\\s-])\\b(?:president[ea]?|pr[eé]sidente?|pr(?:ä|ae)sident(?:in)?"
	"|prezes|президент)\\b"
	"|\\bpdg\\b|\\bp\\.-?d\\.-?g\\.?"
	"|\\b(?:co[\\s-]?)?founder\\b|\\bfounding\\s+partner\\b|\\b(?:mit)?gr(?:ü|ue)nder(?:in)?\\b"
	"|\\b(?:co-?)?fondat(?:eur|rice|ore)\\b|\\b(?:co-?)?fundador(?:a)?\\b|\\boprichter\\b"
	"|\\bоснователь\\b"
	"|(?<!product\\s)(?<!process\\s)(?<!service\\s)(?<!account\\s)(?<!system\\s)(?<!data\\s)"
	"(?<!budget\\s)(?<!control\\s)(?<!risk\\s)"
	"\\b(?:co-?)?owner\\b"
	"|\\b(?:inhaber(?:in)?|eigent(?:ü|ue)mer(?:in)?|propri[eé]taire|due[ñn][oa]|propriet[aá]ri["
	"oa]"
	"|titolare|eigenaar|владелец)\\b"
	"|(?<!vice[\\s-])\\bchair(?:man|woman|person)\\b|(?<!vice[\\s-])\\bchair\\s+of\\s+the\\s+"
	"board\\b"
	"|\\bmanaging\\s+(?:director|partner)\\b|\\b(?:senior|equity|general)\\s+partner\\b|^\\s*"
	"partner\\s*$"
	"|\\bdirector(?:a)?\\s+general\\b|\\bgeneral\\s+director\\b|\\bdirect(?:eur|rice)\\s+g[eé]"
	"n[eé]rale?\\b"
	"|\\bdiret(?:or|ora)[\\s-]+(?:geral|presidente|executiv[oa])\\b|\\bdirettore\\s+generale\\b"
	"|\\bgeneraldirektor(?:in)?\\b|\\balgemeen\\s+directeur\\b|\\bdirecteur[\\s-]+eigenaar\\b"
	"|\\bdirector(?:a)?\\s+ejecutiv[oa]\\b|\\bconsejer[oa]\\s+delegad[oa]\\b|\\bgerente\\s+"
	"general\\b"
	"|\\bamministratore\\s+(?:delegato|unico)\\b|\\bs[oó]ci[oa][\\s-]+(?:fundador|diretor|"
	"gerente)"
	"|\\bgesch(?:ä|ae)ftsf(?:ü|ue)hr(?:er(?:in)?|ender?|ung)\\b"
	"|\\bgesch(?:ä|ae)ftsleit(?:er(?:in)?|ung)\\b|\\bvorstands?(?:\\b|vorsitz|mitglied)"
	"|\\bгенеральн\\w*\\s+директор"
	"|(?<!副)(?:社長|总裁|總裁)|代表取締役|会長|董事长|董事長|总经理|總經理|首席执行官|创始人|"
	"創始人"
	"|創業者|대표이사|(?<!부)사장|창업자"
	")";

static const char vp_director_re[] =
	"\\bv\\.\\s?p\\.|\\b(?:[saegr]?vp|vice[\\s-]*pr[eé]sident[ea]?|vicepresident[ea]?"
	"|vizepr(?:ä|ae)sident(?:in)?|vice[\\s-]*chair\\w*|wiceprezes\\w*"
	"|director(?:a|es)?|directeur|directrice|diret(?:or|ora)|direttore|direttrice"
	"|direkt(?:or|ör)(?:in)?|head(?!\\s+office)|hoofd|chief|prokurist(?:in)?"
	"|general\\s+manager|(?:haupt)?abteilungsleiter(?:in)?|bereichsleiter(?:in)?"
	"|директор|вице-президент)\\b"
	"|副社長|副总裁|副總裁|部長|部长|本部長|总监|總監|부사장|전무|상무|이사";

static const char manager_re[] =
	"\\b(?:manager(?:in)?|mgr|gerente|g[eé]rante?|responsable|responsabile|jefe|jefa|chef"
	"|supervisor(?:a)?|superviseur|gestor(?:a)?|gestionnaire|kierownik|mened[zż]er|leader"
	"|team\\s*-?\\s*lead|tech(?:nical)?\\s+lead|project\\s+lead|group\\s+lead)\\b"
	"|leiter(?:in)?\\b|^\\s*lead\\b(?!\\s+gen)|\\blead\\s*$"
	"|менеджер|руководител|经理|經理|主管|課長|课长|マネージャー|팀장|과장|부장";

static const char ic_re[] = "[\\p{L}\\p{N}]";

static const struct scoring_title_rule default_title[] = {
	{"student", student_re, -30},
	{"c_level", c_level_re, 30},
	{"vp_director", vp_director_re, 25},
	{"manager", manager_re, 15},
	{"ic", ic_re, 5},
};

static const struct scoring_icp_rule default_icp[] = {
	{SCORING_ICP_INDUSTRY, "software", 0, 0, 10},
	{SCORING_ICP_INDUSTRY, "saas", 0, 0, 10},
	{SCORING_ICP_INDUSTRY, "information technology", 0, 0, 10},
	{SCORING_ICP_INDUSTRY, "internet", 0, 0, 10},
	{SCORING_ICP_EMPLOYEES, NULL, 50, 999, 10},
	{SCORING_ICP_EMPLOYEES, NULL, 1000, 4999, 10},
	{SCORING_ICP_EMPLOYEES, NULL, 5000, LONG_MAX, 5},
	{SCORING_ICP_EMPLOYEES, NULL, 11, 49, 5},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void scoring_rubric_default(struct scoring_rubric *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->cls, default_cls, sizeof(default_cls));
	r->n_cls = COUNT(default_cls);
	memcpy(r->type, default_type, sizeof(default_type));
	r->n_type = COUNT(default_type);
	memcpy(r->title, default_title, sizeof(default_title));
	r->n_title = COUNT(default_title);
	memcpy(r->icp, default_icp, sizeof(default_icp));
	r->n_icp = COUNT(default_icp);
	r->competitor = NULL;
	r->n_competitor = 0;
	r->competitor_points = -50;
	r->confidence[0] = 1.0; /* deliverable */
	r->confidence[1] = 0.6; /* risky */
	r->confidence[2] = 0.0; /* undeliverable */
	r->confidence[3] = 0.4; /* unknown */
	r->icp_min = 15;
	r->intent_in_total = false;
	r->mql = 80;
	r->recycle = 60;
	r->recycle_for = 7 * DAY;
	r->hql_window = 14 * DAY;
	r->hql_distinct = 2;
	r->sql_window = 30 * DAY;
	r->sql_events = 3;
	r->pql = 40;
	r->trend_window = 7 * DAY;
	r->trend_delta = 5;
	r->fit_grade[0] = 40;
	r->fit_grade[1] = 25;
	r->fit_grade[2] = 10;
	r->eng_grade[0] = 50;
	r->eng_grade[1] = 25;
	r->eng_grade[2] = 10;
	r->framework = SCORING_BANT;
	r->evidence_min_confidence = 0.5;
	/* The defaults pass the check; this assigns the cap slots. */
	enum lg_status st = scoring_rubric_check(r, NULL);
	(void)st;
}

/* ---- the check ------------------------------------------------------------- */

static bool named(const char *s)
{
	return s && s[0];
}

static bool descending(const double v[3])
{
	return v[0] >= v[1] && v[1] >= v[2];
}

enum lg_status scoring_rubric_check(struct scoring_rubric *r, struct lg_err *err)
{
	if (r->n_cls == 0 || r->n_cls > SCORING_MAX_CLASSES)
		return lg_err_set(err, LG_ECONFIG, "rubric: %u classes (1 to %d)", r->n_cls,
				  SCORING_MAX_CLASSES);
	if (r->n_type > SCORING_MAX_TYPES || r->n_title > SCORING_MAX_TITLES ||
	    r->n_icp > SCORING_MAX_ICP)
		return lg_err_set(err, LG_ECONFIG,
				  "rubric: too many types, title rules or ICP rules");

	for (unsigned i = 0; i < r->n_cls; i++) {
		const struct scoring_class *c = &r->cls[i];
		if (!named(c->name))
			return lg_err_set(err, LG_ECONFIG, "rubric: class %u has no name", i);
		if (c->axis != SCORING_ENGAGEMENT && c->axis != SCORING_PRODUCT &&
		    c->axis != SCORING_INTENT)
			return lg_err_set(err, LG_ECONFIG, "class \"%s\": unknown axis", c->name);
		if (c->half_life <= 0)
			return lg_err_set(err, LG_ECONFIG, "class \"%s\": half-life must be > 0",
					  c->name);
		if (!(c->cap >= 0) || !isfinite(c->cap))
			return lg_err_set(err, LG_ECONFIG, "class \"%s\": cap must be >= 0",
					  c->name);
		for (unsigned j = 0; j < i; j++)
			if (lg_ascii_eq(c->name, strlen(c->name), r->cls[j].name,
					strlen(r->cls[j].name)))
				return lg_err_set(err, LG_ECONFIG, "class \"%s\": defined twice",
						  c->name);
	}

	/* Cap slots: the first capped type of each class keeps its counter
	 * next to the class's sum (slot = the class index; one cache line an
	 * event), the others after all the classes (slot n_cls, n_cls + 1 ...). */
	int capped = 0, extra = 0;
	bool primary[SCORING_MAX_CLASSES] = {false};
	for (unsigned i = 0; i < r->n_type; i++) {
		struct scoring_type *t = &r->type[i];
		if (!named(t->name))
			return lg_err_set(err, LG_ECONFIG, "rubric: type %u has no name", i);
		if (t->cls >= r->n_cls)
			return lg_err_set(err, LG_ECONFIG, "type \"%s\": no such class", t->name);
		if (!isfinite(t->points))
			return lg_err_set(err, LG_ECONFIG, "type \"%s\": points must be a number",
					  t->name);
		if (t->daily_cap > UINT16_MAX)
			return lg_err_set(err, LG_ECONFIG, "type \"%s\": daily cap above %u",
					  t->name, (unsigned)UINT16_MAX);
		for (unsigned j = 0; j < i; j++)
			if (lg_ascii_eq(t->name, strlen(t->name), r->type[j].name,
					strlen(r->type[j].name)))
				return lg_err_set(err, LG_ECONFIG, "type \"%s\": defined twice",
						  t->name);
		t->cap_slot = -1;
		if (t->daily_cap > 0) {
			if (capped++ == SCORING_MAX_CAPPED)
				return lg_err_set(
					err, LG_ECONFIG,
					"type \"%s\": more than %d types with a daily cap", t->name,
					SCORING_MAX_CAPPED);
			if (!primary[t->cls]) {
				primary[t->cls] = true;
				t->cap_slot = (int)t->cls;
			} else {
				t->cap_slot = (int)r->n_cls + extra++;
			}
		}
	}

	for (unsigned i = 0; i < r->n_title; i++)
		if (!named(r->title[i].label) || !r->title[i].pattern ||
		    !isfinite(r->title[i].points))
			return lg_err_set(err, LG_ECONFIG,
					  "title rule %u: needs a label, a pattern and points",
					  i + 1);
	for (unsigned i = 0; i < r->n_icp; i++) {
		const struct scoring_icp_rule *p = &r->icp[i];
		if (!isfinite(p->points))
			return lg_err_set(err, LG_ECONFIG, "ICP rule %u: points must be a number",
					  i + 1);
		switch (p->field) {
		case SCORING_ICP_INDUSTRY:
		case SCORING_ICP_REGION:
			if (!named(p->value))
				return lg_err_set(err, LG_ECONFIG, "ICP rule %u: no value", i + 1);
			break;
		case SCORING_ICP_EMPLOYEES:
			if (p->lo < 0 || p->lo > p->hi)
				return lg_err_set(err, LG_ECONFIG,
						  "ICP rule %u: employees range %ld..%ld is empty "
						  "or negative",
						  i + 1, p->lo, p->hi);
			break;
		default: return lg_err_set(err, LG_ECONFIG, "ICP rule %u: unknown field", i + 1);
		}
	}
	if (r->n_competitor && !r->competitor)
		return lg_err_set(err, LG_ECONFIG, "rubric: competitor list missing");
	if (!isfinite(r->competitor_points))
		return lg_err_set(err, LG_ECONFIG, "rubric: competitor points must be a number");

	for (int i = 0; i < 4; i++)
		if (!(r->confidence[i] >= 0 && r->confidence[i] <= 1))
			return lg_err_set(err, LG_ECONFIG, "rubric: confidence %g not in [0, 1]",
					  r->confidence[i]);
	if (!(r->recycle <= r->mql))
		return lg_err_set(err, LG_ECONFIG, "rubric: recycle threshold %g above mql %g",
				  r->recycle, r->mql);
	if (!isfinite(r->icp_min) || !isfinite(r->mql) || !isfinite(r->recycle) || !isfinite(r->pql))
		return lg_err_set(err, LG_ECONFIG, "rubric: thresholds must be numbers");
	if (r->recycle_for < 0 || r->recycle_for > 366 * DAY)
		return lg_err_set(err, LG_ECONFIG, "rubric: recycle_for must be 0 to 366 days");
	if (r->hql_window <= 0 || r->sql_window <= 0 || r->trend_window <= 0)
		return lg_err_set(err, LG_ECONFIG, "rubric: windows must be > 0");
	if (r->hql_distinct == 0 || r->hql_distinct > SCORING_MAX_DISTINCT || r->sql_events == 0)
		return lg_err_set(err, LG_ECONFIG,
				  "rubric: hql_distinct must be 1 to %d and sql_events > 0",
				  SCORING_MAX_DISTINCT);
	if (!(r->trend_delta > 0) || !isfinite(r->trend_delta))
		return lg_err_set(err, LG_ECONFIG, "rubric: trend_delta must be > 0");
	if (!descending(r->fit_grade) || !descending(r->eng_grade))
		return lg_err_set(err, LG_ECONFIG,
				  "rubric: grade thresholds must be in descending order");
	if ((unsigned)r->framework >= SCORING_FRAMEWORK_COUNT)
		return lg_err_set(err, LG_ECONFIG, "rubric: unknown framework");
	if (!(r->evidence_min_confidence >= 0 && r->evidence_min_confidence <= 1))
		return lg_err_set(err, LG_ECONFIG, "rubric: evidence_min_confidence not in [0, 1]");
	return LG_OK;
}

/* ---- look-ups -------------------------------------------------------------- */

int scoring_class_find(const struct scoring_rubric *r, const char *name, size_t len)
{
	for (unsigned i = 0; i < r->n_cls; i++)
		if (lg_ascii_eq(name, len, r->cls[i].name, strlen(r->cls[i].name)))
			return (int)i;
	return -1;
}

int scoring_type_find(const struct scoring_rubric *r, const char *name, size_t len)
{
	for (unsigned i = 0; i < r->n_type; i++)
		if (lg_ascii_eq(name, len, r->type[i].name, strlen(r->type[i].name)))
			return (int)i;
	return -1;
}
