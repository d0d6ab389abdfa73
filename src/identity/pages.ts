/**
 * The provider's own pages: sign-in, password change, sign-out, errors. Plain HTML forms
 * (no script), labelled fields, errors announced with role="alert" and tied to the fields
 * by aria-describedby; styled by the portal's stylesheet, served by Canopy itself.
 */
const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const html = (text: unknown): string => String(text).replace(/[&<>"']/g, (c) => escapes[c]!);

/** Headers of every page: nothing may frame it, nothing outside Canopy may load into it. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)} · Canopy</title>
<link rel="stylesheet" href="/portal/style.css">
</head>
<body class="sign-in">
<main class="card">
<p class="brand" aria-hidden="true">Canopy</p>
${body}
</main>
</body>
</html>`;
}

const alert = (message: string | undefined): string => (message ? `<p id="form-error" class="error" role="alert">${html(message)}</p>` : '');
const described = (message: string | undefined): string => (message ? ' aria-describedby="form-error" aria-invalid="true"' : '');

export function signInPage(options: { action: string; userName?: string; error?: string }): string {
  return page('Sign in', `<h1>Sign in</h1>
${alert(options.error)}
<form method="post" action="${html(options.action)}">
<input type="hidden" name="step" value="sign-in">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required autofocus value="${html(options.userName ?? '')}"${described(options.error)}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described(options.error)}>
<button type="submit">Sign in</button>
</form>`);
}

export function changePasswordPage(options: { action: string; userName: string; error?: string; minLength: number }): string {
  return page('Update your password', `<h1>Update your password</h1>
<p id="why">You signed in with a one-time password. Choose a new one of at least ${options.minLength} characters to continue.</p>
${alert(options.error)}
<form method="post" action="${html(options.action)}" aria-describedby="why">
<input type="hidden" name="step" value="change-password">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" readonly value="${html(options.userName)}">
<label for="password">Current password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus${described(options.error)}>
<label for="new-password">New password</label>
<input id="new-password" name="newPassword" type="password" autocomplete="new-password" minlength="${options.minLength}" required${described(options.error)}>
<label for="confirm-password">Confirm new password</label>
<input id="confirm-password" name="confirmPassword" type="password" autocomplete="new-password" minlength="${options.minLength}" required>
<button type="submit">Update password and sign in</button>
</form>`);
}

export function messagePage(title: string, message: string, link?: { href: string; text: string }): string {
  return page(title, `<h1>${html(title)}</h1>
<p>${html(message)}</p>
${link ? `<p><a href="${html(link.href)}">${html(link.text)}</a></p>` : ''}`);
}

/** oidc-provider's sign-out confirmation: its `form` (a hidden form with the xsrf field) and two buttons. */
export function signOutPage(form: string): string {
  return page('Sign out', `<h1>Sign out of Canopy?</h1>
${form}
<div class="actions">
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>
</div>`);
}
