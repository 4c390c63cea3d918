/*
 * The OAuth redirect target of the chat widget (README "The chat
 * widget"): hands the authorization response (code, state, iss or error)
 * to the widget frame that opened this popup, by postMessage to our own
 * origin only (the frame checks the sender's origin and the state), then
 * closes.  RFC 6749 §4.1.2; RFC 9207 (iss).
 */
(function () {
	'use strict';
	var q = new URLSearchParams(window.location.search);
	var msg = {
		type: 'jta-widget-auth',
		code: q.get('code'),
		state: q.get('state'),
		iss: q.get('iss'),
		error: q.get('error')
	};
	var status = document.getElementById('status');
	if (!window.opener) {
		status.textContent = 'Open the assistant from its page again.';
		return;
	}
	/* Exact target origin: a frame of another origin gets nothing. */
	window.opener.postMessage(msg, window.location.origin);
	status.textContent = 'Signed in; this window closes.';
	window.close();
}());
