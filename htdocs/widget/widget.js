/*
 * The chat widget's frame (README "The chat widget"), on our own origin:
 * signs the person in through our authorization server as a public
 * client (authorization code + PKCE S256, RFC 6749 §4.1, RFC 7636) in a
 * popup whose callback page (callback.js) posts the code back here, then
 * streams our own agent's answers (POST /api/chat, text/event-stream,
 * read with fetch + ReadableStream: EventSource cannot send
 * Authorization) and confirms pending actions (POST /api/chat/confirm).
 * A draft's card takes files (Attach file: POST /api/drafts/{id}/files,
 * FormData) and its Submit confirms the revision after them.
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
			attach: 'Attach file',
			attachNote: 'Up to 10 files, 10 MiB each.',
			attachInput: 'Files to attach to this ticket',
			files: 'Files', attachedOk: 'Attached: ',
			refusedFile: 'Not attached: ',
			tooMany: 'Too many files: at most 10.',
			tooBig: 'The files are too big together: at most 20 MiB ' +
			    'at a time.',
			stale: 'The draft changed. Here it is again; ask the ' +
			    'assistant to file it once more.',
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
			attach: 'Datei anhängen',
			attachNote: 'Bis zu 10 Dateien, je 10 MiB.',
			attachInput: 'Dateien für dieses Ticket',
			files: 'Dateien', attachedOk: 'Angehängt: ',
			refusedFile: 'Nicht angehängt: ',
			tooMany: 'Zu viele Dateien: höchstens 10.',
			tooBig: 'Die Dateien sind zusammen zu groß: höchstens ' +
			    '20 MiB auf einmal.',
			stale: 'Der Entwurf hat sich geändert. Hier ist er ' +
			    'neu; bitten Sie den Assistenten noch einmal.',
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
			attach: 'Joindre un fichier',
			attachNote: 'Jusqu\u2019à 10 fichiers, 10 Mio chacun.',
			attachInput: 'Fichiers à joindre à ce ticket',
			files: 'Fichiers', attachedOk: 'Joint : ',
			refusedFile: 'Non joint : ',
			tooMany: 'Trop de fichiers : 10 au plus.',
			tooBig: 'Les fichiers sont trop gros ensemble : 20 Mio ' +
			    'au plus à la fois.',
			stale: 'Le brouillon a changé. Le voici de nouveau ; ' +
			    'redemandez à l\u2019assistant de le créer.',
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
			attach: 'Adjuntar archivo',
			attachNote: 'Hasta 10 archivos, 10 MiB cada uno.',
			attachInput: 'Archivos para adjuntar a este ticket',
			files: 'Archivos', attachedOk: 'Adjuntado: ',
			refusedFile: 'No adjuntado: ',
			tooMany: 'Demasiados archivos: 10 como máximo.',
			tooBig: 'Los archivos son demasiado grandes juntos: ' +
			    '20 MiB como máximo a la vez.',
			stale: 'El borrador cambió. Aquí está de nuevo; pida ' +
			    'al asistente que lo cree otra vez.',
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
			attach: 'ファイルを添付',
			attachNote: '最大 10 ファイル、各 10 MiB まで。',
			attachInput: 'このチケットに添付するファイル',
			files: 'ファイル', attachedOk: '添付しました: ',
			refusedFile: '添付できません: ',
			tooMany: 'ファイルが多すぎます (最大 10)。',
			tooBig: 'ファイルの合計が大きすぎます (一度に最大 20 MiB)。',
			stale: '下書きが変更されました。内容を確認し、' +
			    'もう一度アシスタントに依頼してください。',
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
	/* Each draft shown: {card, dl, files, errors, revision}. */
	var drafts = {};
	/* What one upload may carry (README "Files from the chat"): a
	 * draft's 10 files, and the 21 MiB the web servers let through to
	 * POST /api/drafts/{id}/files less room for the framing. */
	var MAX_FILES = 10;
	var MAX_UPLOAD = 20 * 1024 * 1024;
	/* The types the server takes, by extension, for a file the browser
	 * gives no such type (a .log is often application/octet-stream). */
	var TYPES = {
		png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg',
		gif: 'image/gif', webp: 'image/webp', pdf: 'application/pdf',
		zip: 'application/zip', txt: 'text/plain', log: 'text/plain',
		csv: 'text/csv', md: 'text/markdown', json: 'application/json',
		docx: 'application/vnd.openxmlformats-officedocument.' +
		    'wordprocessingml.document',
		xlsx: 'application/vnd.openxmlformats-officedocument.' +
		    'spreadsheetml.sheet',
		pptx: 'application/vnd.openxmlformats-officedocument.' +
		    'presentationml.presentation'
	};

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

	/* A draft's fields into its card's list (not its files). */
	function fields(dl, pv) {
		dl.textContent = '';
		Object.keys(pv).forEach(function (k) {
			var v = pv[k];
			if (k === 'summary' || v === null ||
			    typeof v === 'object')
				return;
			dl.appendChild(node('dt', null, k));
			dl.appendChild(node('dd', null, v));
		});
	}

	function size(n) {
		n = Number(n) || 0;
		if (n < 1024)
			return n + ' B';
		if (n < 1024 * 1024)
			return (n / 1024).toFixed(1) + ' KiB';
		return (n / 1048576).toFixed(1) + ' MiB';
	}

	/* A draft as the API answers it into its card: fields, files and
	 * the revision a Submit confirms. */
	function showDraft(dr, j) {
		var pv = (j && j.preview) || {};
		dr.revision = j.revision;
		dr.card.setAttribute('data-revision', String(j.revision));
		if (pv.summary)
			dr.title.textContent = pv.summary;
		fields(dr.dl, pv);
		dr.files.textContent = '';
		(pv.attachments || []).forEach(function (f) {
			dr.files.appendChild(node('li', null, f.name + ' (' +
			    f.type + ', ' + size(f.size) + ')'));
		});
		dr.files.hidden = dr.files.childNodes.length === 0;
	}

	function readJSON(res) {
		return res.json().catch(function () {
			return null;
		});
	}

	/* GET the draft again (after a refused file, or a stale confirm). */
	function refresh(id) {
		return api('GET', '/api/drafts/' + encodeURIComponent(id))
		    .then(function (res) {
			return readJSON(res).then(function (j) {
				if (res.ok && j)
					showDraft(drafts[id], j);
			});
		});
	}

	/* The type to declare for f: the browser's when the server takes
	 * it, else the extension's (the server checks it on the bytes). */
	function typeOf(f) {
		var t = String(f.type || '').toLowerCase();
		var known = Object.keys(TYPES).map(function (k) {
			return TYPES[k];
		});
		if (known.indexOf(t) >= 0)
			return t;
		var m = /\.([A-Za-z0-9]+)$/.exec(f.name || '');
		return (m && TYPES[m[1].toLowerCase()]) || t ||
		    'application/octet-stream';
	}

	/* Upload the files chosen for draft id (POST /api/drafts/{id}/files,
	 * multipart/form-data by FormData), then show what went in and each
	 * file refused. */
	function upload(id, list, button) {
		var dr = drafts[id], total = 0, fd = new FormData();
		dr.errors.textContent = '';
		if (list.length > MAX_FILES) {
			dr.errors.appendChild(node('li', null, T.tooMany));
			return;
		}
		for (var i = 0; i < list.length; i++) {
			total += list[i].size;
			fd.append('file', new Blob([list[i]],
			    { type: typeOf(list[i]) }), list[i].name);
		}
		if (total > MAX_UPLOAD) {
			dr.errors.appendChild(node('li', null, T.tooBig));
			return;
		}
		button.disabled = true;
		fetch(ROOT + '/api/drafts/' + encodeURIComponent(id) + '/files',
		    { method: 'POST', body: fd, credentials: 'omit',
		    headers: { 'Authorization': 'Bearer ' + token() },
		    referrerPolicy: 'same-origin' }).then(function (res) {
			return readJSON(res).then(function (j) {
				if (res.ok && j) {
					showDraft(dr, j);
					dr.status.textContent = T.attachedOk +
					    Array.prototype.map.call(list,
					    function (f) {
						return f.name;
					    }).join(', ');
					return;
				}
				if (res.status === 401 || !j) {
					problem(res.status, j);
					return;
				}
				/* Each refused file, with the server's why. */
				var items = (j.errors || []).filter(function (e) {
					return e.field === 'file';
				});
				if (items.length === 0)
					items = [{ detail: j.detail || j.title ||
					    String(res.status) }];
				items.forEach(function (e) {
					dr.errors.appendChild(node('li', null,
					    T.refusedFile + e.detail));
				});
				dr.status.textContent = '';
				return refresh(id);
			});
		}).catch(function (e) {
			dr.errors.appendChild(node('li', null, T.failed +
			    e.message));
		}).then(function () {
			button.disabled = false;
			scroll();
		});
	}

	/* The Attach file control of a draft's card: a button that opens a
	 * file input (multiple), the caps under it. */
	function attachRow(id, c) {
		var row = node('div', 'attach');
		var input = node('input');
		input.type = 'file';
		input.multiple = true;
		input.hidden = true;
		input.setAttribute('aria-label', T.attachInput);
		var button = node('button', 'attach-button', T.attach);
		button.type = 'button';
		var note = node('span', 'note', T.attachNote);
		note.id = 'attach-note-' + id;
		button.setAttribute('aria-describedby', note.id);
		button.addEventListener('click', function () {
			input.click();
		});
		input.addEventListener('change', function () {
			var list = Array.prototype.slice.call(input.files);
			input.value = '';
			if (list.length)
				upload(id, list, button);
		});
		row.appendChild(button);
		row.appendChild(input);
		row.appendChild(note);
		c.appendChild(row);
	}

	function card(d) {
		var c;
		if (d.draft) {
			var pv = d.preview || {};
			var dr = drafts[d.draft];
			if (dr) {
				/* The same draft again (changed): one card. */
				showDraft(dr, { revision: d.revision,
				    preview: pv });
				return;
			}
			c = node('section', 'card');
			c.setAttribute('aria-label', pv.summary || d.draft);
			dr = { card: c, title: node('h2', null,
			    pv.summary || d.draft), dl: node('dl'),
			    files: node('ul', 'files'),
			    errors: node('ul', 'file-errors'),
			    status: node('p', 'file-status') };
			dr.files.setAttribute('aria-label', T.files);
			dr.errors.setAttribute('role', 'alert');
			dr.status.setAttribute('role', 'status');
			c.appendChild(dr.title);
			c.appendChild(dr.dl);
			c.appendChild(dr.files);
			c.appendChild(dr.errors);
			c.appendChild(dr.status);
			drafts[d.draft] = dr;
			showDraft(dr, { revision: d.revision, preview: pv });
			attachRow(d.draft, c);
			el.log.appendChild(c);
			scroll();
			return;
		}
		if (!d.action)
			return;
		var args = d.arguments || {};
		var of = d.tool === 'submitDraft' ? drafts[args.id] : null;
		c = of ? of.card : null;
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
			var body = { action: d.action };
			/* After the person's own upload the draft is at a
			 * later revision, the one the card shows: the server
			 * takes it when only their files came in between. */
			if (of && of.revision > (args.revision || 0))
				body.revision = of.revision;
			submit.disabled = change.disabled = true;
			api('POST', '/api/chat/confirm', body)
			    .then(function (res) {
				return readJSON(res).then(function (j) {
					if (res.ok) {
						confirmed(out, j);
						return;
					}
					if (res.status === 409 && of) {
						/* Stale: the draft afresh. */
						out.textContent = T.stale;
						return refresh(args.id);
					}
					problem(res.status, j);
					submit.disabled = false;
					change.disabled = false;
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
