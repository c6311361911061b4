// Asks the API who the signed-in user is, with the session cookie: proof the page and the API
// share one session.
document.getElementById("whoami").addEventListener("click", async () => {
  const out = document.getElementById("whoami-out");
  const response = await fetch("/api/v1/me", { headers: { "Accept": "application/json" } });
  out.textContent = response.status + "\n" + JSON.stringify(await response.json(), null, 2);
});
