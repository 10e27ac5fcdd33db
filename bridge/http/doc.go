// Package http is the "http" host module: outbound HTTP requests that the
// run's policy decides, with a guard against server-side request forgery.
//
//	const r = host.http.get("https://api.partner.example/orders?since=0",
//	    {headers: {Accept: "application/json"}})              // JS
//	if (r.status == 200) orders = JSON.parse(r.body)
//
//	local r = host.http.request({method = "POST", url = u,    -- Lua
//	    headers = {["Content-Type"] = "application/json"}, body = payload})
//
// get(url, opts?) and request(req) return {status, headers, body, url}:
// headers by lowercase name (repeated headers joined with ", "), body a
// string (or bytes with responseType: "bytes"), url the final URL after
// redirects. opts has headers, timeout (milliseconds, at most the module's)
// and responseType; req has method (GET, HEAD, POST, PUT, PATCH, DELETE,
// OPTIONS), url, headers, body (string or bytes), timeout, responseType.
//
// # What the policy sees
//
// Both capabilities, http.get and http.request, show the policy the same
// args (Func.PolicyArgs): url (the URL as the request sends it), method,
// headers (the header names, lowercase and sorted; never the values) and
// bodySize. URLs are parsed before the policy by the parser of its url()
// function (internal/urlx): only http and https, no userinfo, no
// percent-encoded or ambiguous numeric host (2130706433, 0x7f.1), no dot
// segments, printable ASCII only; a test and a fuzz target check that the
// policy reads the scheme, host and port the request uses.
//
// Each redirect (at most 5) is decided again as the same capability with
// the new URL, method, header names and body size (bridge.Run.Check): it
// counts as a host call and appears in the audit log as a host.call event
// with "via". A denied hop fails the call as `denied`, like a direct call.
// A redirect to a URL the checks refuse (ftp:, userinfo, ...) is a host
// error. Go's Referer header is not sent on a hop (the previous URL may
// carry tokens to a host the script never named), and, as Go does,
// Authorization and Cookie are dropped on a hop to another host.
//
// # Addresses
//
// Host names are resolved by the module (Options.Resolver), and every
// connection is checked just before connect, on the socket's address
// (net.Dialer.ControlContext): a special-purpose address — private,
// loopback, link-local, CGNAT, documentation, multicast, IPv6 outside
// 2000::/3 and the rest of the IANA special-purpose registries as
// code.dny.dev/ssrf lists them, the list of the policy's isPrivateIP — is a
// further use of the capability http.private with args {ip, port, host}.
// Without a rule that allows it the call is denied. Because the check is
// on the connected address, a DNS answer that changes between lookups (DNS
// rebinding) cannot reach an address the policy refuses. A rule over
// http.* whose condition reads args.url fails to evaluate on http.private
// (it has no url) and so denies it; allow it explicitly:
//
//	rules:
//	  - name: internal-billing
//	    allow: [http.private]
//	    when: inCIDR(args.ip, "10.20.0.0/16") && args.host == "billing.internal"
//
// Connections are never pooled (each request dials and is checked anew, so
// no connection carries one run's decision into another), HTTP/1.1 only,
// and no proxy is taken from the environment.
//
// # Budgets
//
// Per call: Options.Timeout (10s), and never past the run's deadline (the
// smaller wins; a run that times out ends with the timeout limit); at most
// Options.MaxResponseBytes (512 KiB) of body, read in chunks charged to
// the run's memory budget as they arrive; response headers at most
// Options.MaxHeaderBytes (32 KiB); no transparent decompression (a gzip
// body arrives as the compressed bytes, so no bomb is inflated). Per run:
// Options.MaxRequests (20) requests, redirect hops included, and
// Options.MaxConcurrent (4) in flight. Request bodies at most 1 MiB,
// request headers at most 32, and a script may not set Host,
// Content-Length, Transfer-Encoding, Connection, Proxy-* and other
// headers the transport owns.
//
// Failures the script may catch are host errors with a short message
// ("could not connect", "request timed out after 10s ...", "TLS handshake
// failed", "response body over 524288 bytes", "more than 5 redirects");
// the cause goes to the audit log only. The host.call event of a call that
// connected carries "address", the connected address.
package http
