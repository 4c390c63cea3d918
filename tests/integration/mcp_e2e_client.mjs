// Issue 14's "Done when", end to end with the official MCP SDKs: an MCP
// client that knows nothing but the server's URL signs a person in through
// its own OAuth client and files a ticket through the follow-up form.
// Driven by tests/integration/test_mcp_e2e.py, which checks what it prints.
//
//   node mcp_e2e_client.mjs '{"sdk": "v1" | "v2", "url": URL/mcp,
//     "redirect": URI, "user": U, "password": P (null in Jira mode),
//     "clientMetadataUrl": URL or absent, "project": KEY,
//     "expire": [argv] or absent, "confidential": true or absent,
//     "resume": {info, tokens} or absent (see resume())}'
//
// sdk "v1": @modelcontextprotocol/sdk 1.32.2 (2025-11-25, initialize);
// "v2": @modelcontextprotocol/client 2.4.0 pinned to 2026-07-28.  Either
// way the transport has an OAuthClientProvider and no token: the first
// request is answered 401, the SDK follows WWW-Authenticate's
// resource_metadata to the protected-resource metadata (RFC 9728), then
// our authorization server's metadata (RFC 8414), registers (RFC 7591) or
// uses clientMetadataUrl as its client_id (a Client ID Metadata
// Document), and sends the person to the authorization URL it built (PKCE
// S256, resource = the /mcp URL).  The person's browser is played with
// HTTP: our sign-in page with user and password, or (Jira mode) our
// redirect to Atlassian's consent (the stand-in) and back through our
// callback with the jta_oauth cookie.  The SDK redeems the code (iss
// checked, RFC 9207), reconnects with its bearer token, lists the tools,
// and files a ticket: createDraft without project and summary; v2 answers
// the input_required form through its elicitation handler and the retried
// call drafts it, v1 gets the questions as a tool error and sends the
// answers in a second createDraft; then submitDraft.  With "expire", the
// command it names is run once the ticket is filed (the test expires the
// access token in the database) and one more tool call must go through:
// the 401 invalid_token makes the SDK refresh the token (resource /mcp
// again) and retry.
//
// Prints one JSON document: {protocol, challenge, client_id, authorization,
// callback, tokens, tools, form, draft, submit, issue}; or with "error"
// when a step failed (exit 1).

import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || ".",
    "x.js"));
const opts = JSON.parse(process.argv[2]);
const out = { sdk: opts.sdk };
const base = new URL(opts.url).origin;

function unescape(s) {
	return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g,
	    (m, e) => {
		if (e[0] === "#")
			return String.fromCodePoint(e[1] === "x" ?
			    parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
		return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[e];
	});
}

function cookieOf(res, name) {
	const all = res.headers.getSetCookie ? res.headers.getSetCookie() :
	    [res.headers.get("set-cookie") || ""];
	for (const c of all) {
		const kv = c.split(";")[0];
		if (kv.startsWith(name + "="))
			return kv;
	}
	return null;
}

// The person's browser from the authorization URL to the redirect back to
// the client: the URL it lands on.
async function browse(authorizationUrl) {
	const r = await fetch(authorizationUrl, { redirect: "manual" });
	if (opts.password === null) {
		// Jira mode: our authorize sends the person to Atlassian,
		// whose consent sends them to our callback, which sends
		// them back to the client.
		const bind = cookieOf(r, "jta_oauth");
		const at = r.headers.get("location");
		if (r.status !== 302 || !at)
			throw new Error("authorize answered " + r.status);
		out.atlassian = new URL(at).origin;
		const a = await fetch(at, { redirect: "manual" });
		const cb = a.headers.get("location");
		if (a.status !== 302 || !cb)
			throw new Error("Atlassian's consent answered " +
			    a.status);
		const back = await fetch(cb, { redirect: "manual",
		    headers: bind ? { Cookie: bind } : {} });
		const loc = back.headers.get("location");
		if (back.status !== 302 || !loc)
			throw new Error("our callback answered " + back.status +
			    " " + (await back.text()).slice(0, 300));
		return new URL(loc);
	}
	const html = await r.text();
	if (r.status !== 200)
		throw new Error("the sign-in page answered " + r.status + " " +
		    (r.headers.get("location") || "") + " " +
		    html.slice(0, 300));
	out.page = (/<p[^>]*>([^<]*asks to work with your tickets[^<]*)</
	    .exec(html) || [])[1] || html.slice(0, 500);
	const form = new URLSearchParams();
	for (const m of html.matchAll(
	    /<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
		form.append(unescape(m[1]), unescape(m[2]));
	form.append("username", opts.user);
	form.append("password", opts.password);
	const action = (html.match(/<form[^>]* action="([^"]+)"/) || [])[1];
	const post = await fetch(new URL(unescape(action), base), {
		method: "POST", redirect: "manual", body: form,
		headers: { "Content-Type": "application/x-www-form-urlencoded",
		    Cookie: cookieOf(r, "jta_signin") || "", Origin: base },
	});
	const loc = post.headers.get("location");
	if (post.status !== 302 || !loc)
		throw new Error("the sign-in answered " + post.status);
	return new URL(loc);
}

// The client's OAuth state, in memory: what a desktop client keeps.
class Provider {
	constructor() {
		this.info = undefined;
		this.tok = undefined;
		this.verifier = undefined;
		this.authUrl = undefined;
		if (opts.clientMetadataUrl)
			this.clientMetadataUrl = opts.clientMetadataUrl;
	}
	get redirectUrl() { return opts.redirect; }
	get clientMetadata() {
		const m = { client_name: "E2E MCP client",
		    redirect_uris: [opts.redirect],
		    grant_types: ["authorization_code", "refresh_token"],
		    response_types: ["code"] };
		// A confidential client names no method: RFC 7591 §2's
		// default, client_secret_basic, and a secret comes back.
		if (!opts.confidential)
			m.token_endpoint_auth_method = "none";
		return m;
	}
	state() { return "e2e-state-" + opts.sdk; }
	clientInformation() { return this.info; }
	saveClientInformation(i) { this.info = i; }
	tokens() { return this.tok; }
	saveTokens(t) { this.tok = t; }
	redirectToAuthorization(u) { this.authUrl = u; }
	saveCodeVerifier(v) { this.verifier = v; }
	codeVerifier() { return this.verifier; }
	// What the SDK forgets when the server refuses it (invalid_grant:
	// the tokens; invalid_client: everything).
	invalidateCredentials(scope) {
		if (scope === "all" || scope === "client")
			this.info = undefined;
		if (scope === "all" || scope === "tokens")
			this.tok = undefined;
		if (scope === "all" || scope === "verifier")
			this.verifier = undefined;
	}
}

async function sdkParts() {
	if (opts.sdk === "v1") {
		const { Client } = await import(require.resolve(
		    "@modelcontextprotocol/sdk/client/index.js"));
		const { StreamableHTTPClientTransport } = await import(
		    require.resolve(
		    "@modelcontextprotocol/sdk/client/streamableHttp.js"));
		const { UnauthorizedError } = await import(require.resolve(
		    "@modelcontextprotocol/sdk/client/auth.js"));
		return {
			client: () => new Client({ name: "jta-e2e-v1",
			    version: "1.0.0" }, { capabilities: {} }),
			transport: (p) => new StreamableHTTPClientTransport(
			    new URL(opts.url), { authProvider: p }),
			UnauthorizedError,
			finish: (t, back) => t.finishAuth(
			    back.searchParams.get("code")),
		};
	}
	const mod = await import(require.resolve(
	    "@modelcontextprotocol/client"));
	return {
		client: () => {
			const c = new mod.Client({ name: "jta-e2e-v2",
			    version: "1.0.0" }, {
				capabilities: { elicitation: { form: {} } },
				versionNegotiation: { mode: {
				    pin: "2026-07-28" } },
			});
			// The person answers the follow-up form.
			c.setRequestHandler("elicitation/create", async (rq) => {
				const params = rq.params ?? rq;
				const schema = params.requestedSchema ?? {};
				out.form.asked = Object.keys(
				    schema.properties ?? {}).sort();
				out.form.projects = schema.properties?.project
				    ?.enum ?? null;
				return { action: "accept",
				    content: answers(schema) };
			});
			return c;
		},
		transport: (p) => new mod.StreamableHTTPClientTransport(
		    new URL(opts.url), { authProvider: p }),
		UnauthorizedError: mod.UnauthorizedError,
		// RFC 9207: the SDK checks iss against the issuer.
		finish: (t, back) => t.finishAuth(back.searchParams),
	};
}

// What the person answers to the form's questions.
function answers(schema) {
	const content = {};
	for (const [k, v] of Object.entries(schema.properties ?? {})) {
		if (k === "project")
			content[k] = opts.project;
		else if (k === "summary")
			content[k] = "Wifi on floor 2 drops every hour";
		else if (Array.isArray(v.enum) && v.enum.length > 0)
			content[k] = v.default ?? v.enum[0];
		else
			content[k] = "answered in the form";
	}
	return content;
}

async function tool(client, name, args) {
	const r = await client.callTool({ name, arguments: args });
	return { isError: !!r.isError, structuredContent:
	    r.structuredContent ?? null, text: (r.content ?? [])
	    .filter((b) => b.type === "text").map((b) => b.text).join("\n") };
}

// With "resume" ({info, tokens}: a client that signed the person in
// before): one search; when that meets a 401 the SDK cannot mend by a
// refresh, it asks to authorize again, the person consents again and the
// search is retried.
async function resume(sdk) {
	const provider = new Provider();
	provider.info = opts.resume.info;
	provider.tok = opts.resume.tokens;
	let client = sdk.client();
	let transport = sdk.transport(provider);
	const args = { project: opts.project, limit: 1 };
	try {
		await client.connect(transport);
		out.first = await tool(client, "searchIssues", args);
	} catch (e) {
		if (!provider.authUrl)
			throw e;
		out.first = { failure: String(e) };
	}
	if (!provider.authUrl)
		return;
	out.reauthorized = true;
	const back = await browse(provider.authUrl);
	out.callback = Object.fromEntries(back.searchParams);
	await sdk.finish(transport, back);
	await client.close().catch(() => {});
	client = sdk.client();
	transport = sdk.transport(provider);
	await client.connect(transport);
	out.after = await tool(client, "searchIssues", args);
	out.tokens = provider.tok;
	await client.close();
}

async function main() {
	const sdk = await sdkParts();
	const provider = new Provider();
	out.form = {};
	if (opts.resume)
		return resume(sdk);
	// 1. No token: the SDK meets the 401 and starts the sign-in.
	let client = sdk.client();
	let transport = sdk.transport(provider);
	try {
		await client.connect(transport);
		throw new Error("connected without signing in");
	} catch (e) {
		if (!(e instanceof sdk.UnauthorizedError) &&
		    !provider.authUrl)
			throw e;
	}
	if (!provider.authUrl)
		throw new Error("the SDK never asked to authorize");
	out.client_id = provider.info?.client_id ?? null;
	out.client_auth = provider.info?.token_endpoint_auth_method ?? null;
	out.client_secret = !!provider.info?.client_secret;
	const au = provider.authUrl;
	out.authorization = Object.fromEntries(au.searchParams);
	out.authorization.endpoint = au.origin + au.pathname;
	// 2. The person consents.
	const back = await browse(au);
	out.callback = Object.fromEntries(back.searchParams);
	// 3. The SDK redeems the code (resource and PKCE verifier).
	await sdk.finish(transport, back);
	out.tokens = provider.tok;
	await client.close().catch(() => {});
	// 4. Connected with the bearer token.
	client = sdk.client();
	transport = sdk.transport(provider);
	await client.connect(transport);
	out.protocol = opts.sdk === "v1" ? transport.protocolVersion ?? null :
	    client.getNegotiatedProtocolVersion?.() ?? null;
	const listed = await client.listTools();
	out.tools = listed.tools.map((t) => t.name);
	out.me = (await tool(client, "getMe", {})).structuredContent;
	// 5. A ticket through the follow-up form.
	const first = await tool(client, "createDraft",
	    { description: "The wifi on floor 2 drops every hour." });
	out.form.first = first;
	let draft = first;
	if (first.isError) {
		// An older client: the questions came as a tool error; the
		// person's answers go into the same call again.
		const errs = first.structuredContent?.errors ?? [];
		out.form.asked = errs.map((e) => e.field).sort();
		const props = {};
		for (const e of errs)
			props[e.field] = e.allowed ? { enum: e.allowed } : {};
		draft = await tool(client, "createDraft", Object.assign(
		    { description: "The wifi on floor 2 drops every hour." },
		    answers({ properties: props })));
	}
	out.draft = draft;
	const d = draft.structuredContent ?? {};
	out.submit = await tool(client, "submitDraft",
	    { id: d.id, revision: d.revision ?? 1 });
	const key = out.submit.structuredContent?.issue?.key ??
	    out.submit.structuredContent?.key;
	out.issue = key ? (await tool(client, "getIssue", { key }))
	    .structuredContent : null;
	out.client_info = provider.info;
	if (opts.expire) {
		execFileSync(opts.expire[0], opts.expire.slice(1));
		const before = provider.tok.access_token;
		out.after_expiry = await tool(client, "getMe", {});
		out.refreshed = provider.tok.access_token !== before ?
		    provider.tok : null;
	}
	await client.close();
}

main().then(() => {
	process.stdout.write(JSON.stringify(out) + "\n");
}, (e) => {
	out.error = String(e?.stack ?? e);
	process.stdout.write(JSON.stringify(out) + "\n");
	process.exit(1);
});
