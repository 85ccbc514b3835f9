// Runs before the page is drawn: tells the stylesheet that JavaScript is on (the phone menu
// starts closed instead of flashing open). Everything else is in site.js.
document.documentElement.classList.add("js");
