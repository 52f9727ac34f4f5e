/**
 * tollgate's own name and mark on the interactive API docs (/docs), in place of Swagger
 * UI's and Fastify's: the page title, a favicon and the logo in the top bar.
 */

/** A barrier gate over a road, with the name: the top bar's logo (light on dark). */
export const DOCS_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="164" height="40" viewBox="0 0 164 40" role="img" aria-label="tollgate">
<rect x="4" y="8" width="6" height="28" rx="1" fill="#ffffff"/>
<rect x="10" y="12" width="30" height="6" rx="1" fill="#f2b134"/>
<rect x="16" y="12" width="6" height="6" fill="#1b1b1b"/>
<rect x="28" y="12" width="6" height="6" fill="#1b1b1b"/>
<text x="48" y="28" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="22" font-weight="600" fill="#ffffff">tollgate</text>
</svg>
`;

/** The mark alone, for the browser tab. */
export const DOCS_FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="#1b1b1b"/>
<rect x="5" y="6" width="5" height="22" rx="1" fill="#ffffff"/>
<rect x="10" y="9" width="18" height="5" rx="1" fill="#f2b134"/>
</svg>
`;

export const DOCS_TITLE = 'tollgate API';
