// Loaded in <head>, before the page is drawn: styles for a working script (the folding sidebar) apply
// from the first paint. A file, not an inline script, for the Content-Security-Policy (script-src 'self').
document.documentElement.classList.add("js");
