/*
 * The chat widget's one script tag (README "The chat widget"):
 *
 *   <script src="https://jta.example.com/widget/embed.js"
 *    data-client-id="jtac_..." defer></script>
 *
 * adds a button and an iframe of PUBLIC_URL/widget/ (this script's own
 * directory, on our origin); everything else runs in that frame, which
 * talks only to its own origin.  Nothing from the page reaches the frame
 * but the client id; nothing from the frame reaches the page.
 */
(function () {
	'use strict';
	var me = document.currentScript;
	if (!me || !me.src)
		return;
	var base = new URL('./', me.src);
	var clientId = me.getAttribute('data-client-id') || '';
	var label = me.getAttribute('data-label') || 'Help-desk assistant';
	var frame = null;

	var button = document.createElement('button');
	button.type = 'button';
	button.id = 'jta-widget-button';
	button.textContent = label;
	button.setAttribute('aria-expanded', 'false');
	button.setAttribute('aria-controls', 'jta-widget-frame');
	var bs = button.style;
	bs.position = 'fixed';
	bs.right = '1rem';
	bs.bottom = '1rem';
	bs.zIndex = '2147483000';
	bs.padding = '0.6rem 1rem';
	bs.borderRadius = '1.5rem';
	bs.border = '0';
	bs.background = '#0b57d0';
	bs.color = '#fff';
	bs.font = '600 15px system-ui, sans-serif';
	bs.cursor = 'pointer';

	function open() {
		if (frame === null) {
			frame = document.createElement('iframe');
			frame.id = 'jta-widget-frame';
			frame.title = label;
			var u = new URL('./', base);
			u.searchParams.set('client_id', clientId);
			frame.src = u.href;
			var fs = frame.style;
			fs.position = 'fixed';
			fs.right = '1rem';
			fs.bottom = '4.5rem';
			fs.width = 'min(24rem, calc(100vw - 2rem))';
			fs.height = 'min(36rem, calc(100vh - 6rem))';
			fs.border = '1px solid #c4c7c5';
			fs.borderRadius = '0.75rem';
			fs.boxShadow = '0 4px 24px rgba(0,0,0,.2)';
			fs.background = '#fff';
			fs.zIndex = '2147483000';
			document.body.appendChild(frame);
		} else
			frame.hidden = false;
		button.setAttribute('aria-expanded', 'true');
		frame.focus();
	}

	function close() {
		frame.hidden = true;
		button.setAttribute('aria-expanded', 'false');
		button.focus();
	}

	button.addEventListener('click', function () {
		if (frame !== null && !frame.hidden)
			close();
		else
			open();
	});
	function add() {
		document.body.appendChild(button);
	}
	if (document.body)
		add();
	else
		document.addEventListener('DOMContentLoaded', add);
}());
