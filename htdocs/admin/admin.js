/*
 * The admin page (README.md "The admin page"): reads GET /admin/api/state
 * and changes the switch, the rules and the quotas through the same API.  Plain
 * script, no build step, nothing from elsewhere: the page is served with
 * Content-Security-Policy default-src 'self', so there is no inline code
 * and every text goes into the page as text (textContent), never markup.
 * Every change sends X-JTA-Admin: 1, which the API requires (a
 * cross-site form cannot send it).
 */
'use strict';

(function () {
	var API = 'api/';
	/* Quota levels as the API names them -> the bar's colour class:
	 * green under 70 %, yellow to 90 %, red above. */
	var LEVELS = { ok: 'green', warn: 'yellow', high: 'red', over: 'red' };
	var current = null;

	function $(id) {
		return document.getElementById(id);
	}

	function el(tag, text, cls) {
		var e = document.createElement(tag);
		if (text !== undefined && text !== null)
			e.textContent = String(text);
		if (cls)
			e.className = cls;
		return e;
	}

	function clear(node) {
		while (node.firstChild)
			node.removeChild(node.firstChild);
	}

	/* An API answer that is not 2xx: its problem+json (RFC 9457) as
	 * an Error whose message names the status, detail and field. */
	function problem(res, body) {
		var msg = res.status + ' ' + (res.statusText || 'error');
		if (body && typeof body === 'object') {
			if (body.title)
				msg = res.status + ' ' + body.title;
			if (body.detail)
				msg += ': ' + body.detail;
			if (body.field)
				msg += ' (field: ' + body.field + ')';
		}
		var e = new Error(msg);
		e.status = res.status;
		e.field = body && body.field;
		return e;
	}

	function api(method, path, body) {
		var opts = {
			method: method,
			credentials: 'same-origin',
			cache: 'no-store',
			headers: { 'Accept': 'application/json' }
		};
		if (method !== 'GET') {
			opts.headers['X-JTA-Admin'] = '1';
			if (body !== undefined) {
				opts.headers['Content-Type'] =
				    'application/json';
				opts.body = JSON.stringify(body);
			}
		}
		return fetch(API + path, opts).then(function (res) {
			if (res.status === 204)
				return null;
			return res.text().then(function (t) {
				var j = null;
				try {
					j = t ? JSON.parse(t) : null;
				} catch (e) {
					j = null;
				}
				if (!res.ok)
					throw problem(res, j);
				return j;
			});
		});
	}

	function showError(e) {
		var box = $('error');
		box.textContent = e && e.message ? e.message : String(e);
		box.hidden = false;
	}

	function clearError() {
		$('error').hidden = true;
		$('error').textContent = '';
	}

	function renderSwitch(s) {
		var st = $('state'), btn = $('toggle');
		st.textContent = s.enabled ? 'on' : 'off';
		st.className = 'state ' + (s.enabled ? 'state-on' : 'state-off');
		$('state-since').textContent = s.changed_at ?
		    'since ' + s.changed_at + ' (by ' + s.changed_by + ')' : '';
		var m = $('state-message');
		if (!s.enabled) {
			m.textContent = 'Message: ' + (s.message ||
			    '(the default: switched off by its operators)');
			m.hidden = false;
		} else
			m.hidden = true;
		btn.textContent = s.enabled ? 'Switch off' : 'Switch on';
		btn.className = s.enabled ? 'danger' : 'primary';
		btn.disabled = false;
		btn.setAttribute('aria-pressed', s.enabled ? 'true' : 'false');
		var lc = s.last_change || {};
		$('last-change').textContent = lc.at ?
		    lc.at + ' (' + lc.what + ', by ' + lc.by + ')' : 'never';
	}

	/* The chat model's newest outcome (state.chat, README "Chat: our
	 * own agent"): failing is shown as an error line with its cause. */
	function renderChat(c) {
		var t = $('model-state-text'), since = $('model-state-since');
		var m = c.model;
		since.textContent = '';
		$('model-state').className = '';
		if (!c.configured) {
			t.textContent = 'not configured';
			t.className = '';
		} else if (!m) {
			t.textContent = 'no answer yet';
			t.className = '';
		} else if (m.state === 'failing') {
			t.textContent = 'failing (' + m.cause + '): the ' +
			    'assistant is unavailable';
			t.className = 'state state-off';
			$('model-state').className = 'error';
			since.textContent = 'since ' + m.since;
		} else {
			t.textContent = 'answering';
			t.className = 'state state-on';
			since.textContent = 'since ' + m.since;
		}
	}

	/* One quota's use this period (an entry of usage.quotas) as a
	 * labelled bar. */
	function quotaBar(q) {
		var pct = Number(q.percent) || 0;
		var colour = LEVELS[q.level] || 'red';
		var row = el('div', null, 'quota');
		row.dataset.level = q.level;
		row.dataset.colour = colour;
		row.appendChild(el('div', q.scope + ' ' + q.subject + ': ' +
		    q.metric + ' ' + q.used + ' of ' + q.limit +
		    (q.per ? ' per ' + q.per : '') + ' (' + pct + ' %)' +
		    (q.resets ? ', resets ' + q.resets : ''), 'quota-label'));
		var bar = el('div', null, 'bar');
		var fill = el('div', null, 'fill ' + colour);
		/* CSSOM, which the CSP allows (style attributes it would
		 * not). */
		fill.style.width = Math.min(Math.max(pct, 0), 100) + '%';
		bar.appendChild(fill);
		bar.setAttribute('role', 'meter');
		bar.setAttribute('aria-valuenow', String(pct));
		bar.setAttribute('aria-valuemin', '0');
		bar.setAttribute('aria-valuemax', '100');
		row.appendChild(bar);
		return row;
	}

	function sameKind(a, b) {
		return a.scope === b.scope && a.metric === b.metric &&
		    a.per === b.per;
	}

	/*
	 * The quotas set (state.quotas), each with a Remove button and the
	 * bars of usage.quotas it makes: its own for a person's or site's
	 * quota; for a default ("*"), one per person or site with usage
	 * this period and no quota of its own (as jta_store_usage_summary
	 * applies them).  A bar of no quota listed is shown after them.
	 */
	function renderQuotas(set, usage) {
		var box = $('quotas'), shown = [];
		clear(box);
		set.forEach(function (c) {
			var item = el('div', null, 'quota-set');
			var head = el('div', null, 'quota-head');
			var sub = c.subject === '*' ? '(default)' : c.subject;
			item.dataset.scope = c.scope;
			item.dataset.subject = c.subject;
			item.dataset.metric = c.metric;
			item.dataset.per = c.per;
			head.appendChild(el('span', c.scope + ' ' + sub + ': ' +
			    c.metric + ', ' + c.limit + ' per ' + c.per,
			    'quota-name'));
			head.appendChild(el('span', 'set ' + c.created +
			    ' by ' + c.created_by, 'muted'));
			var b = el('button', 'Remove', 'small');
			b.type = 'button';
			b.addEventListener('click', function () {
				removeQuota(c);
			});
			head.appendChild(b);
			item.appendChild(head);
			var n = 0;
			usage.forEach(function (q, i) {
				if (shown[i] || !sameKind(c, q))
					return;
				if (q.subject === c.subject ||
				    (c.subject === '*' && !set.some(
				    function (o) {
					return sameKind(o, q) &&
					    o.subject === q.subject;
				    }))) {
					shown[i] = true;
					item.appendChild(quotaBar(q));
					n++;
				}
			});
			if (!n)
				item.appendChild(el('p', 'No usage this ' +
				    'period yet.', 'muted'));
			box.appendChild(item);
		});
		usage.forEach(function (q, i) {
			if (!shown[i])
				box.appendChild(quotaBar(q));
		});
		if (!set.length && !usage.length)
			box.appendChild(el('p', 'No quotas set: usage is ' +
			    'counted, nothing is capped.', 'muted'));
	}

	function renderUsage(u, set) {
		var tb = $('top-users').tBodies[0];
		clear(tb);
		var p = u.period || {};
		$('period').textContent = '(day ' + (p.day || '?') +
		    ', month ' + (p.month || '?') + ')';
		renderQuotas(set || [], u.quotas || []);
		var kn = u.knowledge || {};
		$('kb-answered').textContent = kn.answered === undefined ? '?' :
		    kn.answered;
		$('kb-creates').textContent = kn.creates === undefined ? '?' :
		    kn.creates;
		(u.top_users || []).forEach(function (t) {
			var tr = el('tr');
			[t.user, t.calls, t.creates, t.updates,
			    t.conversations, t.prompt_tokens || 0,
			    t.completion_tokens || 0, t.files || 0,
			    t.file_bytes || 0].forEach(function (v) {
				tr.appendChild(el('td', v));
			});
			tb.appendChild(tr);
		});
	}

	/* The declared spaces' sync (jta_kb_status): stale or failed is
	 * shown, never hidden; the old index is still served. */
	function renderKbSync(spaces) {
		var tb = $('kbsync').tBodies[0];
		clear(tb);
		$('kbsync-none').hidden = spaces.length > 0;
		$('kbsync').hidden = spaces.length === 0;
		spaces.forEach(function (k) {
			var tr = el('tr');
			[k.key, k.person, k.synced || 'never', k.articles,
			    k.tried || 'never', k.error || '',
			    k.error ? 'failed' : k.stale ? 'stale' : 'ok'
			    ].forEach(function (v) {
				tr.appendChild(el('td', v));
			});
			tb.appendChild(tr);
		});
	}

	function renderRules(rules) {
		var tb = $('rules').tBodies[0];
		clear(tb);
		$('rules-none').hidden = rules.length > 0;
		$('rules').hidden = rules.length === 0;
		rules.forEach(function (r) {
			var tr = el('tr');
			tr.dataset.id = r.id;
			[r.id, r.effect, r.kind, r.value, r.scope, r.created,
			    r.created_by, r.note].forEach(function (v) {
				tr.appendChild(el('td', v));
			});
			var td = el('td');
			var b = el('button', 'Remove', 'small');
			b.type = 'button';
			b.addEventListener('click', function () {
				removeRule(r.id);
			});
			td.appendChild(b);
			tr.appendChild(td);
			tb.appendChild(tr);
		});
	}

	function renderAudit(rows) {
		var tb = $('audit').tBodies[0];
		clear(tb);
		rows.forEach(function (a) {
			var tr = el('tr');
			[a.when, a.who, a.action, a.issue_key, a.endpoint,
			    a.status, a.detail].forEach(function (v) {
				tr.appendChild(el('td', v));
			});
			tb.appendChild(tr);
		});
	}

	function render(s) {
		current = s;
		$('who').textContent = 'Signed in as ' + s.operator;
		renderSwitch(s);
		renderChat(s.chat || {});
		renderUsage(s.usage || {}, s.quotas);
		renderKbSync(s.knowledge_sync || []);
		renderRules(s.rules || []);
		renderAudit(s.audit || []);
		document.body.dataset.loaded = 'true';
	}

	function load() {
		return api('GET', 'state').then(render);
	}

	function toggle() {
		if (!current)
			return;
		var on = !current.enabled;
		var body = { enabled: on };
		var msg = $('message').value.trim();
		if (!on && msg)
			body.message = msg;
		$('toggle').disabled = true;
		clearError();
		api('POST', 'switch', body).then(render)
		    .catch(function (e) {
			showError(e);
			$('toggle').disabled = false;
		});
	}

	function addRule() {
		var body = {
			effect: $('r-effect').value,
			kind: $('r-kind').value
		};
		var v = $('r-value').value.trim();
		var sc = $('r-scope').value;
		var n = $('r-note').value.trim();
		if (v)
			body.value = v;
		if (sc)
			body.scope = sc;
		if (n)
			body.note = n;
		clearError();
		api('POST', 'rules', body).then(function () {
			$('r-value').value = '';
			$('r-note').value = '';
			return load();
		}).catch(showError);
	}

	function removeRule(id) {
		clearError();
		api('DELETE', 'rules/' + encodeURIComponent(id))
		    .then(load).catch(showError);
	}

	function setQuota() {
		var body = {
			scope: $('q-scope').value,
			metric: $('q-metric').value
		};
		var sub = $('q-subject').value.trim();
		var lim = $('q-limit').value.trim();
		var per = $('q-per').value;
		if (sub)
			body.subject = sub;
		/* A whole number as a number; anything else as typed, for
		 * the API to refuse naming the field. */
		if (lim !== '')
			body.limit = /^[0-9]{1,15}$/.test(lim) ? Number(lim) :
			    lim;
		if (per)
			body.per = per;
		clearError();
		api('POST', 'quotas', body).then(function () {
			$('q-limit').value = '';
			return load();
		}).catch(showError);
	}

	/* The quota's key in the query string (the API takes no body on
	 * DELETE). */
	function removeQuota(c) {
		var q = new URLSearchParams({ scope: c.scope,
		    subject: c.subject, metric: c.metric, per: c.per });
		clearError();
		api('DELETE', 'quotas?' + q.toString()).then(load)
		    .catch(showError);
	}

	document.addEventListener('DOMContentLoaded', function () {
		$('toggle').addEventListener('click', toggle);
		$('r-add').addEventListener('click', addRule);
		$('q-set').addEventListener('click', setQuota);
		load().catch(function (e) {
			$('who').textContent = '';
			showError(e);
		});
	});
})();
