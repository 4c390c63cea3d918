/*
 * The chat widget in a real headless Chromium (Debian's /usr/bin/chromium
 * driven by playwright-core), run by test_widget.py:
 *
 *   node widget_browser.js BASE PORTAL OTHER CTL USER PASSWORD SHOTS SERVER
 *
 * BASE is our stack (PUBLIC_URL), PORTAL a page of an allowed origin that
 * embeds htdocs/widget/embed.js, OTHER a page of an origin that is not
 * allowed and frames /widget/ directly, CTL the test's control URL (it
 * scripts the model stand-in and the kill switch).  Signs in through the
 * popup, sees the answer stream before the stand-in lets its last chunk
 * go, a preview card, Submit, the ticket link; Attach file on a card (one
 * file in, one refused) and Submit at the new revision; the German greeting; the
 * kill-switch banner; the unavailable state; the quota notice and block.
 * Prints "ok - ..." / "not ok - ..." lines; exits 1 on a failure.  Every
 * wait is bounded and the run is cut at 100 s.
 */
'use strict';

const path = require('path');
const { chromium } = require('playwright-core');

const [base, portal, other, ctl, user, password, shots, server] =
    process.argv.slice(2);
const CHROMIUM = process.env.JTA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
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

async function control(what) {
	const r = await fetch(ctl + '/' + what);
	return r.json();
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(shots, server + '-' + name) });
}

/* The widget's frame on page (after its button is pressed). */
async function openWidget(page) {
	await page.goto(portal, { waitUntil: 'load' });
	await page.click('#jta-widget-button');
	const handle = await page.waitForSelector('#jta-widget-frame',
	    { timeout: WAIT });
	const frame = await handle.contentFrame();
	await frame.waitForSelector('#log .greeting', { timeout: WAIT });
	return frame;
}

async function signIn(page, frame) {
	const [popup] = await Promise.all([
		page.context().waitForEvent('page', { timeout: WAIT }),
		frame.click('#signin')
	]);
	await popup.waitForSelector('#username', { timeout: WAIT });
	await popup.fill('#username', user);
	await popup.fill('#password', password);
	try {
		await Promise.all([
			popup.waitForEvent('close', { timeout: WAIT }),
			popup.click('button[type=submit]')
		]);
	} catch (e) {
		if (!popup.isClosed()) {
			console.log('# the popup stayed at ' + popup.url());
			console.log('# ' + JSON.stringify((await popup
			    .textContent('body')).slice(0, 400)));
		}
		throw e;
	}
	await frame.waitForSelector('#signout:not([hidden])',
	    { timeout: WAIT });
}

/* Types text and sends it with Enter (the keyboard path). */
async function send(frame, text) {
	await frame.focus('#message');
	await frame.fill('#message', text);
	await frame.press('#message', 'Enter');
}

async function lastAnswer(frame) {
	return frame.$$eval('#log .msg.assistant .text', (els) =>
	    els.length ? els[els.length - 1].textContent : '');
}

async function idle(frame) {
	await frame.waitForFunction(() =>
	    document.getElementById('log').getAttribute('aria-busy') ===
	    'false', null, { timeout: WAIT });
}

async function bannerOf(frame) {
	return frame.$eval('#banner', (b) => ({ hidden: b.hidden,
	    kind: b.getAttribute('data-kind'), text: b.textContent }));
}

async function run(browser) {
	/* ---- English browser: sign in, stream, preview, submit ---- */
	const ctx = await browser.newContext({ locale: 'en-US',
	    viewport: { width: 900, height: 760 } });
	const page = await ctx.newPage();
	const csp = [];
	page.on('console', (m) => {
		if (/Content Security Policy/i.test(m.text()))
			csp.push(m.text());
	});
	const frame = await openWidget(page);
	check('the frame is our origin',
	    new URL(frame.url()).origin === new URL(base).origin, frame.url());
	check('greeting in English', (await frame.textContent(
	    '#log .greeting .text')).startsWith('Hello!'));
	check('the log is a live region', await frame.$eval('#log', (l) =>
	    l.getAttribute('role') === 'log' &&
	    l.getAttribute('aria-live') === 'polite'));
	check('the message box has a label', await frame.$eval('#message',
	    (m) => m.labels.length === 1 && m.labels[0].textContent !== ''));
	await signIn(page, frame);
	check('signed in: the token is in the frame\'s sessionStorage only',
	    await frame.evaluate(() => /^jta_at_/.test(sessionStorage
	    .getItem('jta-widget-token') || '')) &&
	    await page.evaluate(() => sessionStorage.length === 0 &&
	    localStorage.length === 0));

	await control('stream');
	await send(frame, 'hello there');
	await frame.waitForFunction(() => {
		const t = document.querySelectorAll('#log .msg.assistant .text');
		return t.length && t[t.length - 1].textContent.includes('lo ');
	}, null, { timeout: WAIT });
	const st = await control('state');
	check('streamed text shows before the stand-in lets its last chunk '
	    + 'go', st.finished === false, st);
	await shot(page, 'widget-streaming.png');
	await control('release');
	await idle(frame);
	check('the whole answer', (await lastAnswer(frame)) ===
	    'Hello from the stand-in. See https://example.com/kb/1',
	    await lastAnswer(frame));
	const a = await frame.$$eval('#log .msg.assistant .text a', (els) =>
	    els.map((e) => [e.href, e.target, e.rel]));
	check('a link in the answer opens in a new tab (noopener)',
	    a.length === 1 && a[0][0] === 'https://example.com/kb/1' &&
	    a[0][1] === '_blank' && a[0][2].includes('noopener'), a);
	const st2 = await control('state');
	check('the model was told the person\'s language',
	    /browser language is en-US/.test(st2.system), st2.system);

	await control('draft');
	await send(frame, 'my printer is on fire');
	await frame.waitForSelector('.card .actions button.primary',
	    { timeout: WAIT });
	await idle(frame);
	const card = await frame.$eval('.card', (c) => c.textContent);
	check('a preview card with the draft', card.includes(
	    'Printer on fire'), card);
	check('Submit and Change on the card', await frame.$$eval(
	    '.card .actions button', (b) => b.map((x) => x.textContent)
	    .join('|')) === 'Submit|Change');
	await shot(page, 'widget-preview.png');
	await frame.click('.card .actions button:not(.primary)');
	check('Change puts a message to finish in the box, focused',
	    await frame.evaluate(() => {
		const m = document.getElementById('message');
		return document.activeElement === m &&
		    m.value === 'I would like to change this: ';
	    }));
	await frame.fill('#message', '');
	/* Keyboard: Submit is reached with Tab and pressed with Enter. */
	await frame.focus('.card .actions button.primary');
	await frame.press('.card .actions button.primary', 'Enter');
	const l = await frame.waitForSelector('.card .result a',
	    { timeout: WAIT }).catch(async (e) => {
		console.log('# after Submit: ' + JSON.stringify(
		    await frame.textContent('.card')) + ' banner ' +
		    JSON.stringify(await bannerOf(frame)));
		throw e;
	});
	const href = await l.getAttribute('href');
	check('Submit files the ticket and shows its link',
	    /\/browse\/DEMO-\d+$/.test(href) &&
	    (await l.getAttribute('target')) === '_blank' &&
	    (await l.getAttribute('rel')).includes('noopener'), href);
	const made = await control('issues');
	check('the ticket exists', made.count === 1, made);
	await shot(page, 'widget-submitted.png');

	/* ---- Attach file on a draft's card, then Submit ---- */
	await control('draft2');
	await send(frame, 'the scanner jams');
	await frame.waitForSelector('.card:nth-of-type(2) .actions ' +
	    'button.primary', { timeout: WAIT }).catch(() => null);
	await idle(frame);
	const cards = await frame.$$('.card');
	const c2 = cards[cards.length - 1];
	const att = await c2.$('.attach button');
	check('an Attach file button with the caps as its description',
	    att !== null && await att.evaluate((b) => b.textContent ===
	    'Attach file' && document.getElementById(b.getAttribute(
	    'aria-describedby')).textContent.includes('10 files')));
	check('its file input takes several files and has a label',
	    await c2.$eval('input[type=file]', (i) => i.multiple &&
	    i.getAttribute('aria-label') !== ''));
	const rev0 = await c2.getAttribute('data-revision');
	await (await c2.$('input[type=file]')).setInputFiles([
		{ name: 'scan.log', mimeType: 'application/octet-stream',
		    buffer: Buffer.from('error: paper jam in tray 2\n') },
		{ name: 'photo.png', mimeType: 'image/png',
		    buffer: Buffer.from('not a PNG at all\n') }]);
	await frame.waitForFunction((c) => c.querySelector(
	    '.file-errors li') && c.querySelector('.files li'), c2,
	    { timeout: WAIT }).catch(() => null);
	const listed = await c2.$$eval('.files li', (l) =>
	    l.map((x) => x.textContent));
	const errs = await c2.$$eval('.file-errors li', (l) =>
	    l.map((x) => x.textContent));
	check('the card lists the file that went in (type from its '
	    + 'extension)', listed.length === 1 &&
	    listed[0].startsWith('scan.log (text/plain, 27 B)'), listed);
	check('and shows the refused one with why', errs.length === 1 &&
	    errs[0].includes('photo.png'), errs);
	check('the errors are an alert', await c2.$eval('.file-errors',
	    (e) => e.getAttribute('role') === 'alert'));
	const rev1 = await c2.getAttribute('data-revision');
	check('the card moved to the draft\'s next revision',
	    rev0 === '1' && rev1 === '2', [rev0, rev1]);
	await shot(page, 'widget-attached.png');
	await (await c2.$('.actions button.primary')).click();
	const l2 = await c2.waitForSelector('.result a', { timeout: WAIT })
	    .catch(async () => {
		console.log('# after Submit: ' + JSON.stringify(
		    await c2.textContent()));
		return null;
	    });
	const key2 = l2 ? await l2.textContent() : '';
	const f2 = await control('files?key=' + encodeURIComponent(key2));
	check('Submit at the new revision files the ticket with the file',
	    l2 !== null && JSON.stringify(f2.names) === '["scan.log"]', f2);

	/* ---- quota: the notice past 70 %, the block at 100 % ---- */
	await control('quota');
	await send(frame, 'one more');
	await idle(frame);
	await send(frame, 'and one more');
	await idle(frame);
	let b = await bannerOf(frame);
	check('quota notice banner past 70 %', !b.hidden &&
	    b.kind === 'quota' && / %/.test(b.text) &&
	    b.text.includes('prompt tokens'), b);
	await shot(page, 'widget-quota-notice.png');
	await send(frame, 'and another');
	await idle(frame);
	b = await bannerOf(frame);
	check('quota block banner at 100 % (429)', !b.hidden &&
	    b.kind === 'limit' && b.text.includes('prompt tokens'), b);
	await shot(page, 'widget-quota-block.png');
	await control('noquota');

	/* ---- the kill switch ---- */
	await control('off');
	await send(frame, 'are you there?');
	await idle(frame);
	b = await bannerOf(frame);
	check('kill switch banner with the operators\' message',
	    !b.hidden && b.kind === 'off' &&
	    b.text.includes('Maintenance until six'), b);
	await shot(page, 'widget-off.png');
	await control('on');

	/* ---- the model refuses our key: unavailable ---- */
	await control('badkey');
	await send(frame, 'hello?');
	await idle(frame);
	b = await bannerOf(frame);
	check('a refused model key shows the assistant is unavailable',
	    !b.hidden && b.kind === 'unavailable' &&
	    b.text.includes('unavailable'), b);
	await shot(page, 'widget-unavailable.png');
	await control('goodkey');
	check('no CSP violation in the frame', csp.length === 0, csp);
	await ctx.close();

	/* ---- a German browser ---- */
	const de = await browser.newContext({ locale: 'de-DE',
	    viewport: { width: 900, height: 760 } });
	const dpage = await de.newPage();
	const dframe = await openWidget(dpage);
	const g = await dframe.textContent('#log .greeting .text');
	check('a German browser is greeted in German',
	    g.startsWith('Hallo!'), g);
	check('and the page says so', await dframe.evaluate(() =>
	    document.documentElement.lang === 'de-DE' &&
	    document.getElementById('signin').textContent === 'Anmelden'));
	await shot(dpage, 'widget-de.png');
	await de.close();

	/* ---- another origin cannot frame it ---- */
	const ev = await browser.newContext();
	const epage = await ev.newPage();
	/* The page's load waits for its frame's, refused or not. */
	await epage.goto(other, { waitUntil: 'load' });
	const fh = await epage.waitForSelector('iframe', { timeout: WAIT });
	const f = await fh.contentFrame();
	let framed = true;
	try {
		framed = f !== null && (await f.$('#log')) !== null;
	} catch (e) {
		framed = false;
	}
	check('a page of another origin cannot frame the widget', !framed,
	    f && f.url());
	await shot(epage, 'widget-other-origin.png');
	await ev.close();
}

(async () => {
	const timer = setTimeout(() => {
		console.log('not ok - the run took over 100 s');
		process.exit(1);
	}, 100000);
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']
	});
	try {
		await run(browser);
	} catch (e) {
		check('the run finished', false, String(e && e.stack || e));
	} finally {
		await browser.close();
	}
	clearTimeout(timer);
	console.log('# ' + passed + ' passed, ' + failed + ' failed');
	process.exit(failed || !passed ? 1 : 0);
})();
