/*
 * The chat widget's frame (README "The chat widget"), on our own origin:
 * signs the person in through our authorization server as a public
 * client (authorization code + PKCE S256, RFC 6749 §4.1, RFC 7636) in a
 * popup whose callback page (callback.js) posts the code back here, then
 * streams our own agent's answers (POST /api/chat, text/event-stream,
 * read with fetch + ReadableStream: EventSource cannot send
 * Authorization) and confirms pending actions (POST /api/chat/confirm).
 *
 * The model's text is untrusted: it only ever reaches the page through
 * textContent; links are built as elements after an http/https check.
 * The access token lives in this frame's sessionStorage only.
 */
(function () {
	'use strict';

	var STRINGS = {
		en: {
			greeting: 'Hello! Describe your problem and I will ' +
			    'look for similar tickets or file one for you.',
			signin: 'Sign in', signout: 'Sign out',
			signinFirst: 'Sign in to chat with the assistant.',
			message: 'Your message', send: 'Send',
			you: 'You', assistant: 'Assistant',
			working: 'Working: ', submit: 'Submit', change: 'Change',
			changeText: 'I would like to change this: ',
			created: 'Done: ', unavailable: 'The assistant is ' +
			    'unavailable right now. Please try again later.',
			off: 'The assistant is switched off: ',
			limit: 'You have reached your limit: ',
			failed: 'Something went wrong: ',
			popup: 'Allow pop-ups for this page to sign in.'
		},
		de: {
			greeting: 'Hallo! Beschreiben Sie Ihr Problem, dann ' +
			    'suche ich ähnliche Tickets oder lege eines für ' +
			    'Sie an.',
			signin: 'Anmelden', signout: 'Abmelden',
			signinFirst: 'Melden Sie sich an, um mit dem ' +
			    'Assistenten zu schreiben.',
			message: 'Ihre Nachricht', send: 'Senden',
			you: 'Sie', assistant: 'Assistent',
			working: 'In Arbeit: ', submit: 'Absenden',
			change: 'Ändern',
			changeText: 'Ich möchte Folgendes ändern: ',
			created: 'Erledigt: ', unavailable: 'Der Assistent ' +
			    'ist gerade nicht verfügbar. Bitte versuchen Sie ' +
			    'es später noch einmal.',
			off: 'Der Assistent ist abgeschaltet: ',
			limit: 'Sie haben Ihr Limit erreicht: ',
			failed: 'Etwas ist schiefgegangen: ',
			popup: 'Erlauben Sie Pop-ups für diese Seite, um sich ' +
			    'anzumelden.'
		},
		fr: {
			greeting: 'Bonjour ! Décrivez votre problème : je ' +
			    'cherche des tickets semblables ou j\u2019en crée ' +
			    'un pour vous.',
			signin: 'Se connecter', signout: 'Se déconnecter',
			signinFirst: 'Connectez-vous pour écrire à ' +
			    'l\u2019assistant.',
			message: 'Votre message', send: 'Envoyer',
			you: 'Vous', assistant: 'Assistant',
			working: 'En cours : ', submit: 'Envoyer le ticket',
			change: 'Modifier',
			changeText: 'Je voudrais modifier ceci : ',
			created: 'Fait : ', unavailable: 'L\u2019assistant ' +
			    'est indisponible pour le moment. Réessayez plus ' +
			    'tard.',
			off: 'L\u2019assistant est désactivé : ',
			limit: 'Vous avez atteint votre limite : ',
			failed: 'Une erreur s\u2019est produite : ',
			popup: 'Autorisez les fenêtres pop-up pour vous ' +
			    'connecter.'
		},
		es: {
			greeting: '¡Hola! Describa su problema y buscaré ' +
			    'tickets parecidos o crearé uno para usted.',
			signin: 'Iniciar sesión', signout: 'Cerrar sesión',
			signinFirst: 'Inicie sesión para escribir al ' +
			    'asistente.',
			message: 'Su mensaje', send: 'Enviar',
			you: 'Usted', assistant: 'Asistente',
			working: 'Trabajando: ', submit: 'Enviar ticket',
			change: 'Cambiar',
			changeText: 'Quiero cambiar esto: ',
			created: 'Hecho: ', unavailable: 'El asistente no ' +
			    'está disponible en este momento. Inténtelo más ' +
			    'tarde.',
			off: 'El asistente está desactivado: ',
			limit: 'Ha alcanzado su límite: ',
			failed: 'Algo salió mal: ',
			popup: 'Permita las ventanas emergentes para iniciar ' +
			    'sesión.'
		},
		ja: {
			greeting: 'こんにちは。お困りの内容を教えてください。' +
			    '似たチケットを探すか、チケットを作成します。',
			signin: 'サインイン', signout: 'サインアウト',
			signinFirst: 'アシスタントと話すにはサインインしてください。',
			message: 'メッセージ', send: '送信',
			you: 'あなた', assistant: 'アシスタント',
			working: '処理中: ', submit: '送信する', change: '変更',
			changeText: '次の点を変更したいです: ',
			created: '完了: ', unavailable: 'アシスタントは現在' +
			    '利用できません。しばらくしてから再度お試しください。',
			off: 'アシスタントは停止中です: ',
			limit: '上限に達しました: ',
			failed: 'エラーが発生しました: ',
			popup: 'サインインするにはポップアップを許可してください。'
		}
	};

	var LANG = navigator.language || 'en';
	var T = STRINGS[LANG.slice(0, 2).toLowerCase()] || STRINGS.en;
	var q = new URLSearchParams(window.location.search);
	var CLIENT_ID = q.get('client_id') || '';
	/* This page is PUBLIC_URL/widget/; the API is at PUBLIC_URL. */
	var WIDGET = window.location.origin +
	    window.location.pathname.replace(/[^/]*$/, '');
	var ROOT = WIDGET.replace(/\/widget\/$/, '');
	var REDIRECT = WIDGET + 'callback.html';
	var KEY = 'jta-widget-token';

	var el = {};
	['signin', 'signout', 'banner', 'log', 'activity', 'form',
	    'message', 'send', 'message-label', 'title'].forEach(function (id) {
		el[id] = document.getElementById(id);
	});
	var conversation = null;
	var busy = false;
	var popup = null;
	var drafts = {};

	/* ---- small DOM helpers: text only, never markup ---- */

	function node(tag, cls, text) {
		var n = document.createElement(tag);
		if (cls)
			n.className = cls;
		if (text !== undefined && text !== null)
			n.textContent = String(text);
		return n;
	}

	/* A link to url when it is http(s), else plain text. */
	function link(url, text) {
		var u;
		try {
			u = new URL(String(url), ROOT + '/');
		} catch (e) {
			return node('span', null, text);
		}
		if (u.protocol !== 'https:' && u.protocol !== 'http:')
			return node('span', null, text);
		var a = node('a', null, text);
		a.href = u.href;
		a.target = '_blank';
		a.rel = 'noopener noreferrer';
		return a;
	}

	/* Text with its http(s) URLs as links (built by DOM). */
	function fillText(parent, text) {
		var re = /https?:\/\/[^\s<>"')\]]+/g, last = 0, m;
		parent.textContent = '';
		while ((m = re.exec(text)) !== null) {
			if (m.index > last)
				parent.appendChild(document.createTextNode(
				    text.slice(last, m.index)));
			parent.appendChild(link(m[0], m[0]));
			last = m.index + m[0].length;
		}
		if (last < text.length)
			parent.appendChild(document.createTextNode(
			    text.slice(last)));
	}

	function scroll() {
		el.log.scrollTop = el.log.scrollHeight;
	}

	function say(who, cls, text) {
		var m = node('div', 'msg ' + cls);
		m.appendChild(node('span', 'who', who));
		var body = node('p', 'text');
		fillText(body, text || '');
		m.appendChild(body);
		el.log.appendChild(m);
		scroll();
		return body;
	}

	/* kind: off, quota, limit, unavailable, error; '' hides it. */
	function banner(kind, text) {
		el.banner.className = 'banner ' + (kind || '');
		el.banner.textContent = text || '';
		el.banner.hidden = !text;
		el.banner.setAttribute('data-kind', kind || '');
	}

	/* ---- sign-in: code + PKCE in a popup ---- */

	function b64url(bytes) {
		var s = '';
		for (var i = 0; i < bytes.length; i++)
			s += String.fromCharCode(bytes[i]);
		return btoa(s).replace(/\+/g, '-').replace(/\//g, '_')
		    .replace(/=+$/, '');
	}

	function random() {
		var b = new Uint8Array(32);
		crypto.getRandomValues(b);
		return b64url(b);
	}

	function token() {
		return sessionStorage.getItem(KEY);
	}

	function signedIn(yes) {
		el.signin.hidden = yes;
		el.signout.hidden = !yes;
		el.message.disabled = !yes || busy;
		el.send.disabled = !yes || busy;
	}

	function signin() {
		var verifier = random(), state = random();
		/* RFC 7636 §4.2: S256 challenge of the verifier. */
		crypto.subtle.digest('SHA-256', new TextEncoder().encode(
		    verifier)).then(function (h) {
			sessionStorage.setItem('jta-widget-pkce',
			    JSON.stringify({ v: verifier, s: state }));
			var u = new URL(ROOT + '/oauth/authorize');
			u.searchParams.set('response_type', 'code');
			u.searchParams.set('client_id', CLIENT_ID);
			u.searchParams.set('redirect_uri', REDIRECT);
			u.searchParams.set('scope', 'tickets');
			u.searchParams.set('state', state);
			u.searchParams.set('code_challenge',
			    b64url(new Uint8Array(h)));
			u.searchParams.set('code_challenge_method', 'S256');
			popup = window.open(u.href, 'jta-widget-signin',
			    'popup,width=480,height=640');
			if (!popup)
				banner('error', T.popup);
		});
	}

	window.addEventListener('message', function (ev) {
		/* Our callback page only: same origin, the popup we opened,
		 * the state we sent (RFC 6749 §10.12). */
		if (ev.origin !== window.location.origin || popup === null ||
		    ev.source !== popup || !ev.data ||
		    ev.data.type !== 'jta-widget-auth')
			return;
		var pk = JSON.parse(sessionStorage.getItem('jta-widget-pkce') ||
		    'null');
		sessionStorage.removeItem('jta-widget-pkce');
		popup = null;
		if (!pk || ev.data.state !== pk.s || !ev.data.code) {
			banner('error', T.failed + (ev.data.error ||
			    'state'));
			return;
		}
		if (ev.data.iss && ev.data.iss !== ROOT) {
			banner('error', T.failed + 'iss');
			return;
		}
		var body = new URLSearchParams();
		body.set('grant_type', 'authorization_code');
		body.set('code', ev.data.code);
		body.set('redirect_uri', REDIRECT);
		body.set('client_id', CLIENT_ID);
		body.set('code_verifier', pk.v);
		fetch(ROOT + '/oauth/token', { method: 'POST', body: body,
		    credentials: 'omit' }).then(function (r) {
			return r.json().then(function (j) {
				if (!r.ok || !j.access_token)
					throw new Error(j.error || r.status);
				sessionStorage.setItem(KEY, j.access_token);
				banner('', '');
				signedIn(true);
				el.message.focus();
			});
		}).catch(function (e) {
			banner('error', T.failed + e.message);
		});
	});

	function signout() {
		sessionStorage.removeItem(KEY);
		conversation = null;
		signedIn(false);
		banner('', '');
	}

	/* ---- the API ---- */

	/* A problem+json answer (RFC 9457) into the right banner. */
	function problem(status, j) {
		var detail = (j && (j.detail || j.title)) || String(status);
		if (status === 401) {
			signout();
			banner('error', T.signinFirst);
		} else if (status === 503 && !(j && j.field) &&
		    detail !== 'chat is not configured')
			/* The kill switch: the operators' own message. */
			banner('off', T.off + detail);
		else if (status === 503)
			banner('unavailable', T.unavailable);
		else if (status === 429)
			banner('limit', T.limit + detail);
		else
			banner('error', T.failed + detail);
	}

	function api(method, path, body) {
		return fetch(ROOT + path, {
			method: method,
			headers: { 'Authorization': 'Bearer ' + token(),
			    'Content-Type': 'application/json' },
			body: body === undefined ? undefined :
			    JSON.stringify(body),
			credentials: 'omit',
			/* The page's policy is no-referrer, which would send
			 * "Origin: null"; the chat checks the Origin. */
			referrerPolicy: 'same-origin'
		});
	}

	/* The model's own failures: the operator sees the cause; the
	 * person sees the assistant is unavailable. */
	var MODEL_DOWN = ['model_key', 'model_unreachable', 'model_busy',
	    'model_stall', 'model_answer', 'model_rounds', 'model_status',
	    'model'];

	function onEvent(name, d, state) {
		if (name === 'delta') {
			state.text += d.text || '';
			fillText(state.body, state.text);
			scroll();
		} else if (name === 'tool') {
			el.activity.textContent = d.status === 'running' ?
			    T.working + d.name : '';
		} else if (name === 'preview') {
			card(d);
		} else if (name === 'notice') {
			banner('quota', d.notice || '');
		} else if (name === 'error') {
			var p = d.problem || {};
			var f = String(p.field || '');
			if (MODEL_DOWN.indexOf(f) >= 0 ||
			    f.indexOf('model') === 0)
				banner('unavailable', T.unavailable);
			else
				problem(p.status || 500, p);
			state.failed = true;
		} else if (name === 'done') {
			if (d.conversation)
				conversation = d.conversation;
		}
	}

	/* Server-Sent Events (WHATWG HTML §9.2.6) read from a stream. */
	function readStream(res, state) {
		var reader = res.body.getReader();
		var dec = new TextDecoder();
		var buf = '';
		function block(b) {
			var name = 'message', data = [];
			b.split('\n').forEach(function (line) {
				var i = line.indexOf(':');
				var k = i < 0 ? line : line.slice(0, i);
				var v = i < 0 ? '' : line.slice(i + 1);
				if (v.charAt(0) === ' ')
					v = v.slice(1);
				if (k === 'event')
					name = v;
				else if (k === 'data')
					data.push(v);
			});
			if (data.length === 0)
				return;
			var d;
			try {
				d = JSON.parse(data.join('\n'));
			} catch (e) {
				return;
			}
			onEvent(name, d, state);
		}
		function pump() {
			return reader.read().then(function (r) {
				if (r.done) {
					if (buf.trim() !== '')
						block(buf);
					return;
				}
				buf += dec.decode(r.value, { stream: true });
				buf = buf.replace(/\r\n?/g, '\n');
				var i;
				while ((i = buf.indexOf('\n\n')) >= 0) {
					block(buf.slice(0, i));
					buf = buf.slice(i + 2);
				}
				return pump();
			});
		}
		return pump();
	}

	function setBusy(b) {
		busy = b;
		el.message.disabled = b || !token();
		el.send.disabled = b || !token();
		el.log.setAttribute('aria-busy', b ? 'true' : 'false');
	}

	function send(text) {
		if (busy || !text)
			return;
		say(T.you, 'you', text);
		var state = { text: '', body: say(T.assistant, 'assistant', ''),
		    failed: false };
		var req = { message: text, language: LANG };
		if (conversation)
			req.conversation = conversation;
		setBusy(true);
		api('POST', '/api/chat', req).then(function (res) {
			var ct = res.headers.get('Content-Type') || '';
			if (!res.ok || ct.indexOf('text/event-stream') !== 0)
				return res.json().catch(function () {
					return null;
				}).then(function (j) {
					problem(res.status, j);
					state.failed = true;
				});
			if (el.banner.getAttribute('data-kind') !== 'quota')
				banner('', '');
			return readStream(res, state);
		}).catch(function (e) {
			banner('unavailable', T.unavailable);
			void e;
		}).then(function () {
			el.activity.textContent = '';
			if (state.text === '')
				state.body.parentNode.classList.add('empty');
			setBusy(false);
			el.message.focus();
		});
	}

	/* ---- previews: a draft's card, a pending action's buttons ---- */

	function card(d) {
		var c;
		if (d.draft) {
			c = node('section', 'card');
			c.setAttribute('aria-label', d.preview &&
			    d.preview.summary ? d.preview.summary : d.draft);
			var pv = d.preview || {};
			c.appendChild(node('h2', null, pv.summary || d.draft));
			var dl = node('dl');
			Object.keys(pv).forEach(function (k) {
				var v = pv[k];
				if (k === 'summary' || v === null ||
				    typeof v === 'object')
					return;
				dl.appendChild(node('dt', null, k));
				dl.appendChild(node('dd', null, v));
			});
			c.appendChild(dl);
			drafts[d.draft] = c;
			el.log.appendChild(c);
			scroll();
			return;
		}
		if (!d.action)
			return;
		var args = d.arguments || {};
		c = (d.tool === 'submitDraft' && drafts[args.id]) || null;
		if (c === null) {
			c = node('section', 'card');
			c.setAttribute('aria-label', d.tool);
			c.appendChild(node('h2', null, d.tool));
			var pre = node('pre', null, JSON.stringify(args,
			    null, 1));
			c.appendChild(pre);
			el.log.appendChild(c);
		}
		var row = node('div', 'actions');
		var submit = node('button', 'primary', T.submit);
		submit.type = 'button';
		var change = node('button', null, T.change);
		change.type = 'button';
		var out = node('p', 'result');
		out.setAttribute('role', 'status');
		submit.addEventListener('click', function () {
			submit.disabled = change.disabled = true;
			api('POST', '/api/chat/confirm', { action: d.action })
			    .then(function (res) {
				return res.json().catch(function () {
					return null;
				}).then(function (j) {
					if (!res.ok) {
						problem(res.status, j);
						submit.disabled = false;
						change.disabled = false;
						return;
					}
					confirmed(out, j);
				});
			});
		});
		change.addEventListener('click', function () {
			el.message.value = T.changeText;
			el.message.focus();
		});
		row.appendChild(submit);
		row.appendChild(change);
		c.appendChild(row);
		c.appendChild(out);
		scroll();
	}

	function confirmed(out, j) {
		/* submitDraft answers {issue: {key, url}}; others the
		 * ticket or comment itself. */
		var r = (j && j.result) || {};
		if (r.issue && typeof r.issue === 'object')
			r = r.issue;
		out.textContent = T.created;
		var key = r.key || r.id || (j && j.tool) || '';
		var url = r.url || r.self || (r.key ? ROOT + '/browse/' +
		    encodeURIComponent(r.key) : null);
		if (url)
			out.appendChild(link(url, key || url));
		else
			out.appendChild(node('span', null, key));
		scroll();
	}

	/* ---- start ---- */

	document.documentElement.lang = LANG;
	el.title.textContent = T.assistant;
	el.signin.textContent = T.signin;
	el.signout.textContent = T.signout;
	el['message-label'].textContent = T.message;
	el.send.textContent = T.send;
	el.signin.addEventListener('click', signin);
	el.signout.addEventListener('click', signout);
	el.form.addEventListener('submit', function (e) {
		e.preventDefault();
		var t = el.message.value.trim();
		if (t === '')
			return;
		el.message.value = '';
		send(t);
	});
	el.message.addEventListener('keydown', function (e) {
		/* Enter sends, Shift+Enter is a new line. */
		if (e.key === 'Enter' && !e.shiftKey) {
			e.preventDefault();
			el.form.requestSubmit();
		}
	});
	say(T.assistant, 'assistant greeting', T.greeting);
	if (!CLIENT_ID)
		banner('error', T.failed + 'client_id');
	signedIn(!!token());
}());
