/*
 * The admin page in a real headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core; no browser of Playwright's own).  Run by
 * test_admin_browser.py against a stack under nginx with basic auth:
 *
 *   node admin_browser.js BASE_URL USER PASSWORD API_KEY SHOT_DIR
 *
 * Loads the page with the credentials, checks the switch shows "on",
 * switches it off with a message, checks that the ticket API answers 503
 * with that message, adds and removes a rule, shows an API problem, sets
 * a quota from the form (its bar appears in its level's colour) and
 * removes it, and switches it back on (the API answers 200 again);
 * checks each quota bar's colour.  Prints "ok - ..." /
 * "not ok - ..." lines and "N passed, N failed"; exits 1 on a failure.
 * Bounded: every wait times out, and the whole run is cut at 90 s.
 */
'use strict';

const path = require('path');
const { chromium } = require('playwright-core');

const [base, user, password, apiKey, shotDir] = process.argv.slice(2);
const MESSAGE = 'Paused by the browser test; back soon.';
const CHROMIUM = process.env.JTA_CHROMIUM || '/usr/bin/chromium';
/* Green under 70 %, yellow to 90 %, red above (admin.css). */
const COLOURS = {
	ok: 'rgb(30, 142, 62)', warn: 'rgb(249, 171, 0)',
	high: 'rgb(217, 48, 37)', over: 'rgb(217, 48, 37)'
};

let passed = 0, failed = 0;

function check(name, cond, detail) {
	if (cond) {
		passed++;
		console.log('ok - ' + name);
	} else {
		failed++;
		console.log('not ok - ' + name + ' ' + (detail === undefined ?
		    '' : JSON.stringify(detail)));
	}
	return cond;
}

/* What curl -H 'Authorization: Bearer KEY' BASE/api/issues answers. */
async function apiIssues() {
	const r = await fetch(base + '/api/issues', {
		headers: { Authorization: 'Bearer ' + apiKey }
	});
	let body = null;
	try {
		body = await r.json();
	} catch (e) {
		body = null;
	}
	return { status: r.status, body: body };
}

/* Quotas at 10, 69, 70, 89, 90, 100 and 120 %: level -> colour, and
 * the bar's width capped at 100 %. */
const FIXTURE_QUOTAS = [
	[10, 'ok'], [69, 'ok'], [70, 'warn'], [89, 'warn'], [90, 'high'],
	[100, 'over'], [120, 'over']
].map(([p, level], i) => ({
	scope: i % 2 ? 'site' : 'person',
	subject: i % 2 ? 'acme.atlassian.net' : 'alice',
	metric: ['calls', 'creates', 'updates', 'conversations'][i % 4],
	per: i < 4 ? 'day' : 'month',
	limit: 100, used: p, percent: p, level: level
}));
/* The quotas set that make them, in the same order, and a default with
 * no usage yet. */
const FIXTURE_SET = FIXTURE_QUOTAS.map((q) => ({
	scope: q.scope, subject: q.subject, metric: q.metric, per: q.per,
	limit: q.limit, created: '2026-11-28T09:00:00Z', created_by: 'ops'
})).concat([{ scope: 'person', subject: '*', metric: 'conversations',
	per: 'day', limit: 50, created: '2026-11-28T09:00:00Z',
	created_by: '<i>ops</i>' }]);

async function fixture(page) {
	const real = await page.evaluate(async () =>
	    (await fetch('api/state')).json());
	const fake = Object.assign({}, real, {
		quotas: FIXTURE_SET,
		usage: {
			period: { day: '2026-11-29', month: '2026-11' },
			quotas: FIXTURE_QUOTAS,
			top_users: [
				{ user: 'alice', calls: 120, creates: 7,
				  updates: 11, conversations: 4 },
				{ user: 'bob', calls: 31, creates: 1,
				  updates: 0, conversations: 2 }
			],
			totals: { calls: 151 }
		},
		audit: [{ when: '2026-11-29T00:10:00Z',
			who: 'operator:' + user, action: 'admin:switch-on',
			issue_key: null, endpoint: 'admin', status: 200,
			detail: 'on' }, { when: '2026-11-29T00:05:00Z',
			who: 'alice', action: 'create', issue_key: 'OPS-7',
			endpoint: 'issues.create', status: 201,
			detail: '<b>not markup</b>' }]
	});
	await page.route('**/admin/api/state', (route) => route.fulfill({
		status: 200, contentType: 'application/json',
		body: JSON.stringify(fake)
	}));
	await page.reload();
	await page.waitForSelector('body[data-loaded="true"]');
	const bars = await page.$$eval('.quota', (qs) => qs.map((q) => {
		const f = q.querySelector('.fill');
		return { level: q.dataset.level,
		    colour: getComputedStyle(f).backgroundColor,
		    width: f.getBoundingClientRect().width,
		    full: q.querySelector('.bar').getBoundingClientRect().width,
		    label: q.querySelector('.quota-label').textContent };
	}));
	check('fixture: one bar per quota', bars.length ===
	    FIXTURE_QUOTAS.length, bars.length);
	const items = await page.$$eval('.quota-set', (qs) => qs.map((q) =>
	    ({ bars: q.querySelectorAll('.quota').length,
	    remove: q.querySelectorAll('button').length,
	    text: q.textContent })));
	check('fixture: one item per quota set, each with a Remove button ' +
	    'and its own bar', items.length === FIXTURE_SET.length &&
	    items.every((it, i) => it.remove === 1 && it.bars ===
	    (i < FIXTURE_QUOTAS.length ? 1 : 0)), items);
	check('fixture: a default with no usage says so, names kept as ' +
	    'text', items.length && /\(default\): conversations, 50 per day/
	    .test(items[items.length - 1].text) && items[items.length - 1]
	    .text.includes('<i>ops</i>') && items[items.length - 1].text
	    .includes('No usage this period yet.'), items);
	check('fixture: no markup injected in the quotas',
	    (await page.$$('#quotas i')).length === 0);
	bars.forEach((b, i) => {
		const q = FIXTURE_QUOTAS[i];
		const want = Math.min(q.percent, 100) / 100 * b.full;
		check('fixture: ' + q.percent + ' % (' + q.level + ') is ' +
		    (q.level === 'ok' ? 'green' : q.level === 'warn' ?
		    'yellow' : 'red') + ', ' + Math.min(q.percent, 100) +
		    ' % wide', b.colour === COLOURS[q.level] &&
		    Math.abs(b.width - want) < 1.5 &&
		    b.label.includes(q.used + ' of 100'), b);
	});
	const users = await page.$$eval('#top-users tbody tr', (trs) =>
	    trs.map((t) => t.textContent));
	check('fixture: the top users table', users.length === 2 &&
	    users[0].startsWith('alice120'), users);
	const audit = await page.$$eval('#audit tbody tr', (trs) =>
	    trs.map((t) => Array.from(t.cells).map((c) => c.textContent)));
	check('fixture: the audit rows, text kept as text', audit.length ===
	    2 && audit[1][6] === '<b>not markup</b>' &&
	    audit[0][2] === 'admin:switch-on', audit);
	check('fixture: no markup injected',
	    (await page.$$('#audit b')).length === 0);
	await page.screenshot({ path: path.join(shotDir,
	    'admin-usage-fixture.png'), fullPage: true });
	await page.unroute('**/admin/api/state');
}

/*
 * A quota from the form: bob's calls per month at 12 (he made 9 calls,
 * all today: 75 %, yellow), its bar, a bad limit's problem, then its
 * Remove button.
 */
const BOB = '.quota-set[data-scope="person"][data-subject="bob"]' +
    '[data-metric="calls"][data-per="month"]';

async function quota(page) {
	await page.selectOption('#q-scope', 'person');
	await page.fill('#q-subject', 'bob');
	await page.selectOption('#q-metric', 'calls');
	await page.fill('#q-limit', '');
	await page.click('#q-set');
	await page.waitForSelector('#error:not([hidden])');
	const err = await page.textContent('#error');
	check('a quota without a limit shows the problem naming limit',
	    /^422 /.test(err) && err.includes('(field: limit)'), err);
	await page.fill('#q-limit', '12');
	await page.selectOption('#q-per', 'month');
	await page.click('#q-set');
	await page.waitForSelector(BOB);
	const item = await page.$eval(BOB, (q) => {
		const b = q.querySelector('.quota');
		return { text: q.querySelector('.quota-name').textContent,
		    bars: q.querySelectorAll('.quota').length,
		    level: b && b.dataset.level,
		    label: b && b.querySelector('.quota-label').textContent,
		    colour: b && getComputedStyle(b.querySelector('.fill'))
		    .backgroundColor };
	});
	check('the new quota is listed: person bob: calls, 12 per month',
	    item.text === 'person bob: calls, 12 per month', item);
	check('its bar: 9 of 12 (75 %), yellow', item.bars === 1 &&
	    item.level === 'warn' && item.colour === COLOURS.warn &&
	    item.label.includes('9 of 12') && item.label.includes('(75 %)'),
	    item);
	check('the error box is gone after the good one',
	    await page.isHidden('#error'));
	check('the last configuration change is the quota',
	    (await page.textContent('#last-change'))
	    .includes('quota set: person bob calls, by ' + user));
	const st = await page.evaluate(async () =>
	    (await (await fetch('api/state')).json()).quotas);
	check('the API lists it, set by ' + user, st.some((q) =>
	    q.subject === 'bob' && q.per === 'month' && q.limit === 12 &&
	    q.created_by === user), st);
	await page.screenshot({ path: path.join(shotDir, 'admin-quota.png'),
	    fullPage: true });
	await page.click(BOB + ' button');
	await page.waitForSelector(BOB, { state: 'detached' });
	const after = await page.evaluate(async () =>
	    (await (await fetch('api/state')).json()).quotas);
	check('Remove: gone from the page and the API', !after.some((q) =>
	    q.subject === 'bob' && q.per === 'month'), after);
	check('Remove: the others stay', (await page.$$('.quota-set'))
	    .length === after.length && after.length === 4, after);
}

async function main() {
	const timer = setTimeout(() => {
		console.log('not ok - the browser test finished within 90 s');
		process.exit(1);
	}, 90000);
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		/* As root in a container Chromium needs --no-sandbox. */
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']
	});
	try {
		/* Without credentials: the web server's 401 (a browser
		 * context without any would stop at the challenge). */
		const r0 = await fetch(base + '/admin/');
		check('without credentials the page is 401', r0.status === 401,
		    r0.status);

		const ctx = await browser.newContext({
			httpCredentials: { username: user, password: password },
			viewport: { width: 1200, height: 1000 }
		});
		ctx.setDefaultTimeout(10000);
		const page = await ctx.newPage();
		const csp = [];
		page.on('console', (m) => {
			if (/Content Security Policy|Refused to/i.test(m.text()))
				csp.push(m.text());
		});
		const r = await page.goto(base + '/admin/');
		check('the page loads with basic auth (200)',
		    r.status() === 200, r.status());
		await page.waitForSelector('body[data-loaded="true"]');
		const state0 = await page.textContent('#state');
		check('the switch shows "on"', state0 === 'on', state0);
		check('the button offers "Switch off"',
		    (await page.textContent('#toggle')) === 'Switch off');
		check('the page names the operator',
		    (await page.textContent('#who')).includes(user));
		const before = await apiIssues();
		check('the API answers 200 while on', before.status === 200,
		    before.status);

		/* Usage bars: colour by level. */
		const usage = await page.evaluate(async () => {
			const r = await fetch('api/state');
			return (await r.json()).usage;
		});
		const bars = await page.$$eval('.quota', (qs) => qs.map(
		    (q) => ({ level: q.dataset.level,
		    colour: getComputedStyle(q.querySelector('.fill'))
		    .backgroundColor })));
		check('one bar per quota', bars.length ===
		    (usage.quotas || []).length, bars);
		bars.forEach((b, i) => check('quota ' + i + ' (' +
		    b.level + ') is ' + COLOURS[b.level],
		    b.colour === COLOURS[b.level], b));
		/* The levels the wrapper's real usage reaches. */
		const want = (process.env.JTA_USAGE_LEVELS || '')
		    .split(',').filter((x) => x);
		want.forEach((l) => check('real usage: a bar at level ' +
		    l + ' is shown', bars.some((b) => b.level === l),
		    bars));
		if (want.length) {
			const users = await page.$$eval(
			    '#top-users tbody tr td:first-child',
			    (tds) => tds.map((t) => t.textContent));
			check('real usage: top users alice and bob',
			    users.includes('alice') &&
			    users.includes('bob'), users);
			await page.screenshot({ path: path.join(shotDir,
			    'admin-usage.png'), fullPage: true });
		}

		/* The audit rows of the page's own changes are checked
		 * below, after they happen. */
		/* Off, with a message. */
		await page.fill('#message', MESSAGE);
		await page.click('#toggle');
		await page.waitForFunction(() =>
		    document.getElementById('state').textContent === 'off');
		check('after the click the switch shows "off"', true);
		check('the page shows the message',
		    (await page.textContent('#state-message'))
		    .includes(MESSAGE));
		const off = await apiIssues();
		check('the API answers 503 with the message',
		    off.status === 503 && off.body &&
		    off.body.detail === MESSAGE, off);
		check('the last configuration change says switched off by ' +
		    user, (await page.textContent('#last-change'))
		    .includes('switched off, by ' + user));
		await page.screenshot({ path: path.join(shotDir,
		    'admin-off.png'), fullPage: true });

		/* A rule through the form, then a bad one: the problem. */
		await page.selectOption('#r-effect', 'deny');
		await page.selectOption('#r-kind', 'project');
		await page.fill('#r-value', 'ops');
		await page.fill('#r-note', 'from the browser');
		await page.click('#r-add');
		await page.waitForSelector('#rules tbody tr');
		const row = await page.$$eval('#rules tbody tr td',
		    (tds) => tds.map((t) => t.textContent));
		check('the rule is listed: deny project OPS',
		    row[1] === 'deny' && row[2] === 'project' &&
		    row[3] === 'OPS' && row[6] === user, row);
		await page.fill('#r-value', '1-bad');
		await page.click('#r-add');
		await page.waitForSelector('#error:not([hidden])');
		const err = await page.textContent('#error');
		check('a bad rule shows the API\'s problem naming the field',
		    /^422 /.test(err) && err.includes('(field: value)'), err);
		await page.screenshot({ path: path.join(shotDir,
		    'admin-rule-error.png'), fullPage: true });
		await page.click('#rules tbody tr button');
		await page.waitForSelector('#rules-none:not([hidden])');
		check('the rule is removed', (await page.$$('#rules tbody tr'))
		    .length === 0);

		await quota(page);

		/* On again. */
		await page.click('#toggle');
		await page.waitForFunction(() =>
		    document.getElementById('state').textContent === 'on');
		check('after the second click the switch shows "on"', true);
		const on = await apiIssues();
		check('the API answers 200 again', on.status === 200, on.status);
		check('the error box is gone after a good change',
		    await page.isHidden('#error'));
		const shown = await page.$$eval('#audit tbody tr',
		    (trs) => trs.map((t) => t.cells[2].textContent));
		['admin:switch-off', 'admin:rule-add',
		    'admin:rule-remove', 'admin:quota-set',
		    'admin:quota-remove', 'admin:switch-on'].forEach(
		    (a) => check('audit row ' + a + ' is shown',
		    shown.includes(a), shown));
		await page.screenshot({ path: path.join(shotDir,
		    'admin-on.png'), fullPage: true });
		/* The rendering of usage and audit rows, on a fixture of the
		 * shape jta_store_usage_summary and the audit log give
		 * (served in place of the state; the switch and rules are
		 * the real ones). */
		await fixture(page);
		check('no Content-Security-Policy refusal in the console',
		    csp.length === 0, csp);
		await ctx.close();
	} finally {
		await browser.close();
		clearTimeout(timer);
	}
}

main().then(() => {
	console.log(passed + ' passed, ' + failed + ' failed');
	process.exit(failed || !passed ? 1 : 0);
}, (e) => {
	console.log('not ok - the browser test ran to the end ' +
	    String(e && e.stack || e));
	console.log(passed + ' passed, ' + (failed + 1) + ' failed');
	process.exit(1);
});
