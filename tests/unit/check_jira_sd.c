/*
 * Unit tests for jta_jira_sd: Jira Service Management's answers (shapes
 * from Atlassian's JSM OpenAPI document) to ours: request type fields as
 * createmeta fields, read by the one field model (jta_jira_meta_fields,
 * jta_jira_resolve) with a select answered by name; request types by name
 * or id; desks; the raise body; a request with its portal link; the
 * candidates of a lost raise; customer transitions and approvals; hostile
 * ids refused.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "jta_err.h"
#include "jta_jira.h"
#include "jta_jira_sd.h"
#include "check_main.h"

#define SITE	"https://acme.atlassian.net"

static json_t *
js(const char *text)
{
	json_error_t	 je;
	json_t		*j = json_loadb(text, strlen(text),
			    JSON_REJECT_DUPLICATES, &je);

	ck_assert_msg(j != NULL, "bad test JSON: line %d", je.line);
	return j;
}

/* CustomerRequestCreateMetaDTO of a "Wi-Fi problem" type. */
static const char WIFI_FIELDS[] =
    "{\"canRaiseOnBehalfOf\":true,\"canAddRequestParticipants\":true,"
    "\"requestTypeFields\":["
    "{\"fieldId\":\"summary\",\"name\":\"Summary\",\"required\":true,"
    "\"visible\":true,\"validValues\":[],\"defaultValues\":[],"
    "\"jiraSchema\":{\"type\":\"string\",\"system\":\"summary\"}},"
    "{\"fieldId\":\"description\",\"name\":\"Description\","
    "\"required\":false,\"validValues\":[],"
    "\"jiraSchema\":{\"type\":\"string\",\"system\":\"description\"}},"
    "{\"fieldId\":\"customfield_10020\",\"name\":\"Location\","
    "\"required\":true,\"visible\":true,\"validValues\":["
    "{\"value\":\"10400\",\"label\":\"Floor 1\",\"children\":[]},"
    "{\"value\":\"10401\",\"label\":\"Floor 2\",\"children\":[]}],"
    "\"defaultValues\":[],\"jiraSchema\":{\"type\":\"option\","
    "\"custom\":\"com.atlassian.jira.plugin.system.customfieldtypes:"
    "select\",\"customId\":10020}},"
    "{\"fieldId\":\"customfield_10021\",\"name\":\"Operating system\","
    "\"required\":false,\"validValues\":["
    "{\"value\":\"10410\",\"label\":\"Windows\"},"
    "{\"value\":\"10411\",\"label\":\"macOS\"}],"
    "\"defaultValues\":[{\"value\":\"10410\",\"label\":\"Windows\"}],"
    "\"jiraSchema\":{\"type\":\"option\"}},"
    "{\"fieldId\":\"customfield_10099\",\"name\":\"Hidden\","
    "\"required\":true,\"visible\":false,"
    "\"jiraSchema\":{\"type\":\"string\"}}]}";

static json_t *
field(const json_t *list, const char *name)
{
	const json_t	*f;
	size_t		 i;

	json_array_foreach(list, i, f)
		if (strcmp(json_string_value(json_object_get(f, "name")),
		    name) == 0)
			return (json_t *)(uintptr_t)f;
	return NULL;
}

START_TEST(request_type_fields_read_as_a_create_screen)
{
	struct jta_error err;
	json_t		*cm = js(WIFI_FIELDS), *meta = NULL, *list = NULL, *f;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_sd_meta(cm, &meta, &err), JTA_OK);
	ck_assert_int_eq(jta_jira_meta_fields(meta, &list, &err), JTA_OK);
	/* the invisible field is left out */
	ck_assert_int_eq(json_array_size(list), 4);
	ck_assert_ptr_null(field(list, "Hidden"));
	f = field(list, "Location");
	ck_assert_ptr_nonnull(f);
	ck_assert(json_is_true(json_object_get(f, "required")));
	ck_assert_str_eq(json_string_value(json_object_get(f, "type")),
	    "option");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(f,
	    "allowed"), 1)), "Floor 2");
	f = field(list, "Operating system");
	ck_assert(json_is_false(json_object_get(f, "required")));
	ck_assert_str_eq(json_string_value(json_object_get(f, "default")),
	    "Windows");
	ck_assert_str_eq(json_string_value(json_object_get(field(list,
	    "Description"), "type")), "text");
	json_decref(cm);
	json_decref(meta);
	json_decref(list);
}
END_TEST

START_TEST(select_answered_by_name_resolves_to_its_id)
{
	struct jta_error err;
	json_t		*cm = js(WIFI_FIELDS), *meta = NULL, *prep = NULL;
	json_t		*in = js("{\"project\":\"ITH\","
			    "\"summary\":\"No Wi-Fi\","
			    "\"fields\":{\"location\":\"floor 2\"}}");
	json_t		*type = js("{\"id\":\"22\","
			    "\"name\":\"Wi-Fi problem\"}");
	const json_t	*jf;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_sd_meta(cm, &meta, &err), JTA_OK);
	jta_error_begin(&err);
	ck_assert_int_eq(jta_jira_resolve(in, type, meta, &prep, &err),
	    JTA_OK);
	ck_assert_int_eq(jta_error_collected(&err), JTA_OK);
	jf = json_object_get(json_object_get(prep, "_ids"), "fields");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(jf,
	    "customfield_10020"), "id")), "10401");
	/* the default of the optional select is filled and shown */
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(jf,
	    "customfield_10021"), "id")), "10410");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    prep, "fields"), "Operating system")), "Windows");
	json_decref(prep);
	json_decref(in);
	/* a value not allowed, and the required one missing: one problem
	 * each, with the allowed names and a question */
	in = js("{\"project\":\"ITH\",\"fields\":{\"Location\":\"Floor 9\"}}");
	prep = NULL;
	jta_error_begin(&err);
	ck_assert_int_eq(jta_jira_resolve(in, type, meta, &prep, &err),
	    JTA_OK);
	ck_assert_int_eq(jta_error_collected(&err), JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_uint_eq(err.nitems, 2);
	ck_assert_str_eq(err.items[0].field, "fields.Location");
	ck_assert_str_eq(jta_error_allowed(&err.items[0], 0), "Floor 1");
	ck_assert(err.items[0].question[0] != '\0');
	ck_assert_str_eq(err.items[1].field, "summary");
	json_decref(prep);
	json_decref(in);
	json_decref(type);
	json_decref(cm);
	json_decref(meta);
}
END_TEST

START_TEST(request_type_by_name_or_id)
{
	struct jta_error err;
	json_t		*page = js("{\"start\":0,\"limit\":50,\"size\":2,"
			    "\"isLastPage\":true,\"values\":["
			    "{\"id\":\"21\",\"name\":\"Get IT help\"},"
			    "{\"id\":\"22\",\"name\":\"Wi-Fi problem\"}]}");
	json_t		*names = NULL, *bad;
	const json_t	*rt = NULL;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_sd_type(page, "WI-FI problem", &rt, &names,
	    &err), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(rt, "id")), "22");
	json_decref(names);
	ck_assert_int_eq(jta_jira_sd_type(page, "21", &rt, &names, &err),
	    JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(rt, "name")),
	    "Get IT help");
	json_decref(names);
	ck_assert_int_eq(jta_jira_sd_type(page, "Printer", &rt, &names, &err),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(err.status, 422);
	ck_assert_str_eq(err.field, "request_type");
	ck_assert_uint_eq(json_array_size(names), 2);
	json_decref(names);
	/* an id that would travel into a path must be digits */
	bad = js("{\"values\":[{\"id\":\"1/../x\",\"name\":\"Evil\"}]}");
	ck_assert_int_eq(jta_jira_sd_type(bad, "Evil", &rt, &names, &err),
	    JTA_ERR_UPSTREAM);
	json_decref(names);
	json_decref(bad);
	json_decref(page);
}
END_TEST

START_TEST(desk_of_project_and_hostile_ids)
{
	json_t		*page = js("{\"values\":["
			    "{\"id\":\"1\",\"projectKey\":\"ITH\"},"
			    "{\"id\":\"2?x=1\",\"projectKey\":\"HR\"}]}");
	json_t		*answer = js("{\"projects\":[{\"key\":\"ITH\"},"
			    "{\"key\":\"HR\"},{\"key\":\"OPS\"}]}");

	ck_assert_str_eq(jta_jira_sd_desk_of(page, "ITH"), "1");
	ck_assert_ptr_null(jta_jira_sd_desk_of(page, "HR"));
	ck_assert_ptr_null(jta_jira_sd_desk_of(page, "OPS"));
	ck_assert(jta_jira_sd_id_ok("123"));
	ck_assert(!jta_jira_sd_id_ok(""));
	ck_assert(!jta_jira_sd_id_ok("12a"));
	ck_assert(!jta_jira_sd_id_ok("1234567890123456789"));
	ck_assert_int_eq(jta_jira_sd_mark(answer, page), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(answer, "projects"), 0), "servicedesk_id")), "1");
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(
	    answer, "projects"), 1), "servicedesk_id"));
	json_decref(answer);
	json_decref(page);
}
END_TEST

START_TEST(desk_groups_and_types)
{
	struct jta_error err;
	json_t		*desk = js("{\"id\":\"1\",\"projectKey\":\"ITH\","
			    "\"projectName\":\"IT Help\"}");
	json_t		*groups = js("{\"values\":[{\"id\":\"10\",\"name\":"
			    "\"Common\"},{\"id\":\"11\",\"name\":\"Network\"}"
			    "]}");
	json_t		*types = js("{\"values\":[{\"id\":\"22\",\"name\":"
			    "\"Wi-Fi problem\",\"description\":\"d\","
			    "\"helpText\":\"h\",\"groupIds\":[\"11\",\"99\"]}"
			    "]}");
	json_t		*out = NULL;
	const json_t	*t;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_sd_desk(desk, groups, types, &out, &err),
	    JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(out, "name")),
	    "IT Help");
	t = json_array_get(json_object_get(out, "request_types"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(t, "help_text")),
	    "h");
	/* an unknown group id is left out */
	ck_assert_uint_eq(json_array_size(json_object_get(t, "groups")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(t,
	    "groups"), 0)), "Network");
	json_decref(out);
	json_decref(desk);
	json_decref(groups);
	json_decref(types);
}
END_TEST

START_TEST(raise_body_is_a_request_create_dto)
{
	json_t		*cb = js("{\"fields\":{\"project\":{\"key\":\"ITH\"},"
			    "\"issuetype\":{\"id\":\"10005\"},\"summary\":\"S"
			    "\","
			    "\"customfield_10020\":{\"id\":\"10401\"}}}");
	json_t		*parts = js("[\"acc-1\"]");
	json_t		*b = NULL;
	const json_t	*v;

	ck_assert_int_eq(jta_jira_sd_raise_body(cb, "1", "22", "acc-9", parts,
	    &b), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(b,
	    "serviceDeskId")), "1");
	ck_assert_str_eq(json_string_value(json_object_get(b,
	    "requestTypeId")), "22");
	ck_assert(json_is_true(json_object_get(b, "isAdfRequest")));
	ck_assert_str_eq(json_string_value(json_object_get(b,
	    "raiseOnBehalfOf")), "acc-9");
	ck_assert_uint_eq(json_array_size(json_object_get(b,
	    "requestParticipants")), 1);
	v = json_object_get(b, "requestFieldValues");
	ck_assert_ptr_null(json_object_get(v, "project"));
	ck_assert_ptr_null(json_object_get(v, "issuetype"));
	ck_assert_ptr_nonnull(json_object_get(v, "customfield_10020"));
	/* the caller's body is untouched */
	ck_assert_ptr_nonnull(json_object_get(json_object_get(cb, "fields"),
	    "project"));
	json_decref(b);
	json_decref(cb);
	json_decref(parts);
}
END_TEST

START_TEST(request_mapped_with_its_portal_link)
{
	struct jta_error err;
	json_t		*dto = js("{\"issueKey\":\"ITH-4\",\"summary\":\"S\","
			    "\"requestTypeId\":\"22\",\"serviceDeskId\":\"1\","
			    "\"reporter\":{\"displayName\":\"Carol\"},"
			    "\"currentStatus\":{\"status\":\"Waiting for supp"
			    "ort\","
			    "\"statusCategory\":\"NEW\"},"
			    "\"createdDate\":{\"jira\":"
			    "\"2026-11-22T10:00:00.000+0000\"},"
			    "\"_links\":{\"web\":\"" SITE
			    "/servicedesk/customer/portal/1/ITH-4\"}}");
	json_t		*out = NULL;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_sd_request(dto, SITE "/", "Wi-Fi problem",
	    &out, &err), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(out, "url")),
	    SITE "/servicedesk/customer/portal/1/ITH-4");
	ck_assert_str_eq(json_string_value(json_object_get(out, "project")),
	    "ITH");
	ck_assert_str_eq(json_string_value(json_object_get(out,
	    "status_category")), "new");
	ck_assert_str_eq(json_string_value(json_object_get(out,
	    "request_type")), "Wi-Fi problem");
	ck_assert_str_eq(json_string_value(json_object_get(out, "created")),
	    "2026-11-22T10:00:00Z");
	json_decref(out);
	/* a web link elsewhere is not handed out: the site's own instead */
	json_object_set_new(json_object_get(dto, "_links"), "web",
	    json_string("https://evil.example/servicedesk/customer/x"));
	ck_assert_int_eq(jta_jira_sd_request(dto, SITE, NULL, &out, &err),
	    JTA_OK);
	ck_assert(strncmp(json_string_value(json_object_get(out, "url")),
	    SITE "/servicedesk/customer/", strlen(SITE) + 22) == 0);
	json_decref(out);
	/* a link to the site with a quote in it is not taken either */
	json_object_set_new(json_object_get(dto, "_links"), "web",
	    json_string(SITE "/servicedesk/customer/\"x"));
	ck_assert_int_eq(jta_jira_sd_request(dto, SITE, NULL, &out, &err),
	    JTA_OK);
	ck_assert(strchr(json_string_value(json_object_get(out, "url")), '"')
	    == NULL);
	json_decref(out);
	/* a site that is not https, or a bad key: a bad upstream answer */
	ck_assert_int_eq(jta_jira_sd_request(dto, "http://acme.example", NULL,
	    &out, &err), JTA_ERR_UPSTREAM);
	json_object_set_new(dto, "issueKey", json_string("ith 4"));
	ck_assert_int_eq(jta_jira_sd_request(dto, SITE, NULL, &out, &err),
	    JTA_ERR_UPSTREAM);
	json_decref(dto);
}
END_TEST

START_TEST(lost_raise_candidates_by_summary_and_time)
{
	json_t		*page = js("{\"values\":["
			    "{\"issueKey\":\"ITH-9\",\"summary\":\"Wi-Fi down"
			    "\","
			    "\"createdDate\":{\"epochMillis\":1800000000000}},"
			    "{\"issueKey\":\"ITH-8\",\"summary\":\"Wi-Fi down"
			    "!\","
			    "\"createdDate\":{\"epochMillis\":1800000000000}},"
			    "{\"issueKey\":\"ITH-7\",\"summary\":\"Wi-Fi down"
			    "\","
			    "\"createdDate\":{\"epochMillis\":1799999990000}},"
			    "{\"issueKey\":\"ITH-6\",\"summary\":\"Wi-Fi down"
			    "\","
			    "\"createdDate\":{\"epochMillis\":1799999999000}}"
			    "]}");

	ck_assert_int_eq(jta_jira_sd_candidate(page, "Wi-Fi down", 1799999995,
	    0), 0);
	ck_assert_int_eq(jta_jira_sd_candidate(page, "Wi-Fi down", 1799999995,
	    1), 3);
	ck_assert_int_eq(jta_jira_sd_candidate(page, "Wi-Fi down", 1799999995,
	    4), -1);
	ck_assert_int_eq(jta_jira_sd_candidate(page, "Other", 0, 0), -1);
	json_decref(page);
}
END_TEST

START_TEST(transitions_and_approvals)
{
	struct jta_error err;
	json_t		*page = js("{\"values\":[{\"id\":\"801\",\"name\":"
			    "\"Cancel request\"}]}");
	json_t		*out = NULL, *ap, *a;
	const char	*id;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(jta_jira_sd_transitions(page, "ITH-1", &out, &err),
	    JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(out, "transitions"), 0), "name")),
	    "Cancel request");
	json_decref(out);
	ck_assert_int_eq(jta_jira_sd_transition_id(page, "cancel REQUEST", &id,
	    &err), JTA_OK);
	ck_assert_str_eq(id, "801");
	ck_assert_int_eq(jta_jira_sd_transition_id(page, "Resolve", &id,
	    &err), JTA_ERR_CONFLICT);
	ck_assert_int_eq(err.status, 409);
	ck_assert_str_eq(err.items[0].field, "to");
	ck_assert_str_eq(jta_error_allowed(&err.items[0], 0),
	    "Cancel request");
	ap = js("{\"values\":[{\"id\":\"1\",\"canAnswerApproval\":false},"
	    "{\"id\":\"2\",\"canAnswerApproval\":true,\"name\":\"Manager\","
	    "\"finalDecision\":\"pending\"}]}");
	ck_assert_int_eq(jta_jira_sd_approval_id(ap, &id, &err), JTA_OK);
	ck_assert_str_eq(id, "2");
	a = jta_jira_sd_approval(json_array_get(json_object_get(ap, "values"),
	    1));
	ck_assert_str_eq(json_string_value(json_object_get(a, "decision")),
	    "pending");
	json_decref(a);
	json_object_set_new(json_array_get(json_object_get(ap, "values"), 1),
	    "canAnswerApproval", json_false());
	ck_assert_int_eq(jta_jira_sd_approval_id(ap, &id, &err),
	    JTA_ERR_CONFLICT);
	ck_assert_str_eq(err.field, "decision");
	json_decref(ap);
	json_decref(page);
}
END_TEST

START_TEST(details_and_search_term)
{
	json_t		*dto = js("{\"comments\":{\"values\":["
			    "{\"body\":\"Hi\",\"public\":false,"
			    "\"author\":{\"displayName\":\"Alice\"}}]},"
			    "\"sla\":{\"values\":[{\"name\":\"TTR\","
			    "\"ongoingCycle\":{\"breached\":true,"
			    "\"remainingTime\":{\"friendly\":\"-1h\"}}}]}}");
	json_t		*o = json_object();
	char		 enc[128];

	ck_assert_int_eq(jta_jira_sd_details(dto, o), JTA_OK);
	ck_assert(json_is_false(json_object_get(json_array_get(
	    json_object_get(o, "comments"), 0), "public")));
	ck_assert(json_is_true(json_object_get(json_array_get(
	    json_object_get(o, "sla"), 0), "breached")));
	/* search syntax and wildcards do not reach JSM's searchTerm */
	ck_assert_int_eq(jta_jira_sd_search_term("Wi-Fi *down* \"now\"", enc,
	    sizeof(enc)), 0);
	ck_assert(strchr(enc, '*') == NULL && strchr(enc, '"') == NULL &&
	    strstr(enc, "%22") == NULL && strstr(enc, "%2A") == NULL);
	ck_assert_int_eq(jta_jira_sd_search_term("a long summary", enc, 4),
	    -1);
	json_decref(o);
	json_decref(dto);
}
END_TEST

/* A request's files: the id comes from the REST link, the url is made
 * from the site, never taken from _links.content; entries without an id
 * are skipped and counted out; hostile members become null. */
START_TEST(request_attachments_from_rest_links)
{
	json_t		*dto, *o = json_object(), *a, *x;

	dto = js("{\"attachments\": {\"values\": ["
	    "{\"filename\": \"screen shot.png\", \"mimeType\": "
	    "\"image/png\", \"size\": 23123, \"author\": {"
	    "\"displayName\": \"Fred\"}, \"created\": {\"jira\": "
	    "\"2015-10-09T10:22:00.000+0700\"}, \"_links\": {\"jiraRest\": "
	    "\"https://x.atlassian.net/rest/api/2/attachment/10000\", "
	    "\"content\": \"https://evil.example/steal\"}},"
	    "{\"filename\": \"no-link.txt\"},"
	    "{\"filename\": \"x\", \"_links\": {\"jiraRest\": "
	    "\"https://x/rest/api/2/issue/5\"}},"
	    "{\"filename\": \"x\", \"_links\": {\"jiraRest\": "
	    "\"https://x/rest/api/2/attachment/../5\"}},"
	    "{\"filename\": \"bad\\u0007.txt\", \"mimeType\": 5, "
	    "\"size\": -2, \"_links\": {\"jiraRest\": "
	    "\"https://x/rest/api/2/attachment/77\"}}]}}");
	ck_assert_int_eq(jta_jira_sd_attachments(dto, SITE "/", o), JTA_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(o,
	    "attachment_count")), 2);
	a = json_object_get(o, "attachments");
	ck_assert_uint_eq(json_array_size(a), 2);
	x = json_array_get(a, 0);
	ck_assert_str_eq(json_string_value(json_object_get(x, "id")), "10000");
	ck_assert_str_eq(json_string_value(json_object_get(x, "name")),
	    "screen shot.png");
	ck_assert_str_eq(json_string_value(json_object_get(x, "url")),
	    SITE "/servicedesk/customershim/secure/attachment/10000/"
	    "screen%20shot.png");
	ck_assert_str_eq(json_string_value(json_object_get(x, "created")),
	    "2015-10-09T03:22:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(x, "author")),
	    "Fred");
	ck_assert_int_eq(json_integer_value(json_object_get(x, "size")),
	    23123);
	x = json_array_get(a, 1);
	ck_assert(json_is_null(json_object_get(x, "name")));
	ck_assert(json_is_null(json_object_get(x, "type")));
	ck_assert(json_is_null(json_object_get(x, "size")));
	ck_assert_str_eq(json_string_value(json_object_get(x, "url")),
	    SITE "/servicedesk/customershim/secure/attachment/77/");
	json_decref(dto);
	json_decref(o);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jira_sd");
	TCase	*tc = tcase_create("mapping");

	tcase_add_test(tc, request_type_fields_read_as_a_create_screen);
	tcase_add_test(tc, select_answered_by_name_resolves_to_its_id);
	tcase_add_test(tc, request_type_by_name_or_id);
	tcase_add_test(tc, desk_of_project_and_hostile_ids);
	tcase_add_test(tc, desk_groups_and_types);
	tcase_add_test(tc, raise_body_is_a_request_create_dto);
	tcase_add_test(tc, request_mapped_with_its_portal_link);
	tcase_add_test(tc, lost_raise_candidates_by_summary_and_time);
	tcase_add_test(tc, transitions_and_approvals);
	tcase_add_test(tc, details_and_search_term);
	tcase_add_test(tc, request_attachments_from_rest_links);
	suite_add_tcase(s, tc);
	return s;
}
