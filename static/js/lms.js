// Loads an embedded video only after the person asks for it (no request to the provider before).
document.addEventListener("click", (event) => {
  const button = event.target.closest(".lc-video-consent button");
  if (!button) return;
  const container = button.closest(".lc-video-consent");
  const iframe = document.createElement("iframe");
  // The site's Referrer-Policy (same-origin) sends no referrer to other hosts; the players
  // refuse to play without one. Only the platform's origin is sent, never the lesson's path.
  iframe.referrerPolicy = "strict-origin";
  iframe.src = container.dataset.embedUrl;
  iframe.title = container.dataset.title || "Video";
  iframe.allowFullscreen = true;
  iframe.setAttribute("allow", "fullscreen; picture-in-picture");
  container.replaceChildren(iframe);
  container.classList.add("is-loaded");
  iframe.focus();
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
