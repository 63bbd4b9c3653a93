/* The simulator's JSON checked against Twilio's published OpenAPI description (vendored in tests/data/twilio/). */
#include "testutil.h"
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include "src/sim/sim.h"
#include "src/util.h"

static cJSON *spec;

/* The component schema a "$ref" names. */
static const cJSON *deref(const cJSON *schema)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(schema, "$ref");
	if (!cJSON_IsString(ref))
		return schema;
	const char *name = strrchr(ref->valuestring, '/') + 1;
	const cJSON *schemas =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(spec, "components"), "schemas");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(schemas, name);
	assert_non_null(s);
	return s;
}

/* True when s matches the schema's regular expression. */
static bool pattern_ok(const char *re, const char *s)
{
	regex_t rx;
	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	bool ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

/* Fails the test, saying where. */
static void fail_at(const char *where, const char *what)
{
	fprintf(stderr, "%s: %s\n", where, what);
	fail();
}

/* Validates v against schema: types, nullability, enums, patterns; objects with declared
 * properties must hold every one of them and nothing else (Twilio always sends them all). */
static void validate(const cJSON *schema, const cJSON *v, const char *where)
{
	schema = deref(schema);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
	if (cJSON_IsNull(v)) {
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(schema, "nullable")))
			fail_at(where, "null but not nullable");
		return;
	}
	const char *t = cJSON_IsString(type) ? type->valuestring : "";
	if (strcmp(t, "string") == 0) {
		if (!cJSON_IsString(v))
			fail_at(where, "not a string");
		const cJSON *en = cJSON_GetObjectItemCaseSensitive(schema, "enum"), *e;
		bool found = en == NULL;
		cJSON_ArrayForEach(e, en) found |= strcmp(e->valuestring, v->valuestring) == 0;
		if (!found)
			fail_at(where, "not one of the enum values");
		const cJSON *pat = cJSON_GetObjectItemCaseSensitive(schema, "pattern");
		if (cJSON_IsString(pat) && !pattern_ok(pat->valuestring, v->valuestring))
			fail_at(where, "does not match the pattern");
	} else if (strcmp(t, "integer") == 0) {
		if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble)
			fail_at(where, "not an integer");
	} else if (strcmp(t, "object") == 0) {
		if (!cJSON_IsObject(v))
			fail_at(where, "not an object");
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties"), *p;
		if (props == NULL)
			return;
		cJSON_ArrayForEach(p, props)
		{
			char *sub = xasprintf("%s.%s", where, p->string);
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, p->string);
			if (m == NULL)
				fail_at(sub, "missing");
			validate(p, m, sub);
			free(sub);
		}
		cJSON_ArrayForEach(p, v)
		{
			if (cJSON_GetObjectItemCaseSensitive(props, p->string) == NULL)
				fail_at(where, p->string);
		}
	} else if (strcmp(t, "array") == 0) {
		if (!cJSON_IsArray(v))
			fail_at(where, "not an array");
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items"), *e;
		cJSON_ArrayForEach(e, v) validate(items, e, where);
	}
}

/* The 200/201 JSON schema of an operation. */
static const cJSON *response_schema(const char *path, const char *method, const char *code)
{
	const cJSON *p =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(spec, "paths"), path);
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(p, method);
	const cJSON *resp =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(op, "responses"), code);
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(resp, "content");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(content, "application/json"), "schema");
	assert_non_null(schema);
	return schema;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	char **buf = ud;
	size_t old = *buf ? strlen(*buf) : 0;
	*buf = xrealloc(*buf, old + sz * n + 1);
	memcpy(*buf + old, p, sz * n);
	(*buf)[old + sz * n] = '\0';
	return sz * n;
}

/* An authenticated request (form NULL: GET) returning parsed JSON and the status. */
static cJSON *call(struct sim *sim, const char *path, const char *form, long *status)
{
	CURL *h = curl_easy_init();
	char *url = xasprintf("%s%s", sim_base_url(sim), path);
	char *body = NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERNAME, sim_account_sid(sim));
	curl_easy_setopt(h, CURLOPT_PASSWORD, sim_auth_token(sim));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	if (form)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	cJSON *j = cJSON_Parse(body);
	assert_non_null(j);
	free(body);
	free(url);
	return j;
}

static void sim_json__matches_openapi__for_every_message_kind(void **state)
{
	struct sim_config cfg = {.step_ms = 50};
	struct sim *sim = NULL;
	assert_int_equal(sim_start(&cfg, &sim, NULL), 0);
	const char *acc = sim_account_sid(sim);
	char *list = xasprintf("/2010-04-01/Accounts/%s/Messages.json", acc);
	const cJSON *create_s =
	    response_schema("/2010-04-01/Accounts/{AccountSid}/Messages.json", "post", "201");
	const char *forms[] = {
	    "To=%2B15551230000&From=%2B15005550006&Body=hello",
	    "To=%2B15551230000&MessagingServiceSid=MG0123456789abcdef0123456789abcdef&Body=via+service",
	    "To=%2B15005550010&From=%2B15005550006&Body=fails",
	    "To=%2B15005550011&From=%2B15005550006&Body=undelivered",
	    "To=%2B15551230000&From=%2B15005550006&MediaUrl=https%3A%2F%2Fx.test%2Fa.png",
	};
	long status = 0;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		cJSON *m = call(sim, list, forms[i], &status);
		assert_int_equal(status, 201);
		validate(create_s, m, "create");
		cJSON_Delete(m);
	}
	assert_int_equal(sim_inject_inbound(sim, "+15551230000", "+15005550006", "C \xFF", NULL), 0);
	/* once everything has moved on (failed, undelivered, delivered), list and validate again */
	clock_set_fake(clock_now() + 10);
	char *paged = xasprintf("%s?PageSize=2", list);
	cJSON *l = call(sim, paged, NULL, &status);
	assert_int_equal(status, 200);
	validate(response_schema("/2010-04-01/Accounts/{AccountSid}/Messages.json", "get", "200"), l, "list");
	cJSON_Delete(l);
	l = call(sim, list, NULL, &status);
	validate(response_schema("/2010-04-01/Accounts/{AccountSid}/Messages.json", "get", "200"), l, "list");
	const cJSON *m;
	const cJSON *fetch_s =
	    response_schema("/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json", "get", "200");
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(l, "messages"))
	{
		char *path = xasprintf("/2010-04-01/Accounts/%s/Messages/%s.json", acc,
				       cJSON_GetObjectItemCaseSensitive(m, "sid")->valuestring);
		cJSON *f = call(sim, path, NULL, &status);
		assert_int_equal(status, 200);
		validate(fetch_s, f, "fetch");
		cJSON_Delete(f);
		free(path);
	}
	cJSON_Delete(l);
	clock_set_fake(0);
	char *accpath = xasprintf("/2010-04-01/Accounts/%s.json", acc);
	cJSON *a = call(sim, accpath, NULL, &status);
	assert_int_equal(status, 200);
	/* the account schema lists no required members; check the types of those we send */
	const cJSON *acc_s = deref(response_schema("/2010-04-01/Accounts/{Sid}.json", "get", "200"));
	const cJSON *p;
	cJSON_ArrayForEach(p, a)
	{
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(acc_s, "properties"), p->string);
		if (ps == NULL)
			fail_at("account", p->string);
		validate(ps, p, p->string);
	}
	cJSON_Delete(a);
	free(accpath);
	free(paged);
	free(list);
	sim_stop(&sim);
}

int main(void)
{
	char *path = tu_source_path("tests/data/twilio/twilio_api_v2010.json");
	size_t len = 0;
	char *text = tu_read_file(path, &len);
	if (text == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	spec = cJSON_ParseWithLength(text, len);
	free(text);
	free(path);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sim_json__matches_openapi__for_every_message_kind),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	cJSON_Delete(spec);
	return rc;
}
