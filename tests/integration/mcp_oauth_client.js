// The official MCP TypeScript SDK's OAuth client (@modelcontextprotocol/sdk,
// client/auth.js) signing a person in at our authorization server, the
// way an MCP client does for /mcp: protected resource metadata
// (RFC 9728), authorization server metadata (RFC 8414), a client id from
// dynamic registration (RFC 7591) or a metadata document URL, the
// authorization request with PKCE and resource (RFC 8707), the person's
// consent done with HTTP as their browser would, iss checked (RFC 9207),
// the code exchanged and the tokens refreshed.  Driven by
// tests/integration/test_oauth_mcp.py, which checks what it prints.
//
// Usage: node mcp_oauth_client.js '{"base": URL, "user": U, "password": P,
//   "redirect": URI, "clientMetadataUrl": URL or absent}'
// Prints one JSON object: the steps' results, or {"error": "..."}.
'use strict';

const auth = require('@modelcontextprotocol/sdk/client/auth.js');

const opts = JSON.parse(process.argv[2]);

function unescape(s) {
	return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g,
	    (m, e) => {
		if (e[0] === '#')
			return String.fromCodePoint(e[1] === 'x' ?
			    parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
		return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e];
	});
}

// The sign-in page's form as a browser submits it: its hidden fields, the
// person's name and password, and the cookie the page set.
async function consent(authorizationUrl) {
	const page = await fetch(authorizationUrl, { redirect: 'manual' });
	const html = await page.text();
	if (page.status !== 200)
		throw new Error('the sign-in page answered ' + page.status +
		    ' at ' + (page.headers.get('location') || '') + ' ' +
		    html.slice(0, 300));
	const form = new URLSearchParams();
	for (const m of html.matchAll(
	    /<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
		form.append(unescape(m[1]), unescape(m[2]));
	form.append('username', opts.user);
	form.append('password', opts.password);
	const cookie = (page.headers.get('set-cookie') || '').split(';')[0];
	const action = (html.match(/<form[^>]* action="([^"]+)"/) || [])[1];
	const post = await fetch(new URL(unescape(action), opts.base), {
		method: 'POST', redirect: 'manual', body: form,
		headers: { 'Content-Type': 'application/x-www-form-urlencoded',
		    Cookie: cookie, Origin: new URL(opts.base).origin }
	});
	const loc = post.headers.get('location');
	if (post.status !== 302 || !loc)
		throw new Error('the sign-in answered ' + post.status);
	return { page: html, back: new URL(loc) };
}

async function main() {
	const out = {};
	const serverUrl = new URL(opts.base + '/mcp');
	// What a 401 tells a client (the REST API's, since /mcp is not
	// served by this test's build).
	const r401 = await fetch(opts.base + '/api/me');
	const www = auth.extractWWWAuthenticateParams(r401);
	out.challenge = { status: r401.status,
	    resourceMetadataUrl: www.resourceMetadataUrl &&
	    www.resourceMetadataUrl.href, scope: www.scope };
	const prm = await auth.discoverOAuthProtectedResourceMetadata(serverUrl);
	out.prm = prm;
	const asUrl = prm.authorization_servers[0];
	const metadata = await auth.discoverAuthorizationServerMetadata(asUrl);
	out.issuer = metadata.issuer;
	out.registration_endpoint = metadata.registration_endpoint || null;
	const resource = await auth.selectResourceURL(serverUrl, {}, prm);
	out.resource = resource.href;
	let clientInformation;
	if (opts.clientMetadataUrl) {
		clientInformation = { client_id: opts.clientMetadataUrl };
	} else {
		clientInformation = await auth.registerClient(asUrl, {
			metadata, clientMetadata: {
				client_name: 'SDK test client',
				redirect_uris: [opts.redirect],
				grant_types: ['authorization_code', 'refresh_token'],
				response_types: ['code'],
				token_endpoint_auth_method: 'none',
				application_type: 'native'
			}
		});
	}
	out.client_id = clientInformation.client_id;
	const { authorizationUrl, codeVerifier } = await auth.startAuthorization(
	    asUrl, { metadata, clientInformation, redirectUrl: opts.redirect,
	    scope: 'tickets', state: 'sdk-state-1', resource });
	out.authorizationUrl = authorizationUrl.href;
	const { page, back } = await consent(authorizationUrl);
	out.page_names = /SDK test client|Metadata test client/.exec(page) ?
	    /SDK test client|Metadata test client/.exec(page)[0] : null;
	out.state = back.searchParams.get('state');
	out.iss = back.searchParams.get('iss');
	// RFC 9207 §2.4: a present iss must be the recorded issuer.
	if (out.iss !== metadata.issuer)
		throw new Error('iss ' + out.iss + ' is not ' + metadata.issuer);
	const code = back.searchParams.get('code');
	if (!code)
		throw new Error('no code: ' + back.search);
	const tokens = await auth.exchangeAuthorization(asUrl, {
	    metadata, clientInformation, authorizationCode: code, codeVerifier,
	    redirectUri: opts.redirect, resource });
	out.tokens = tokens;
	out.refreshed = await auth.refreshAuthorization(asUrl, {
	    metadata, clientInformation, refreshToken: tokens.refresh_token,
	    resource });
	// Replaying the code: the SDK surfaces the server's invalid_grant.
	try {
		await auth.exchangeAuthorization(asUrl, { metadata,
		    clientInformation, authorizationCode: code, codeVerifier,
		    redirectUri: opts.redirect, resource });
		out.replay = 'accepted';
	} catch (e) {
		out.replay = e.constructor.name + ': ' + e.message;
	}
	return out;
}

main().then((out) => {
	process.stdout.write(JSON.stringify(out) + '\n');
}, (e) => {
	process.stdout.write(JSON.stringify({ error: String(e && e.stack ||
	    e) }) + '\n');
});
