package policy

import (
	"fmt"
	"net/netip"

	"code.dny.dev/ssrf"

	"github.com/scriptrun/scriptrun/internal/urlx"
)

// parsedURL is the result of url(); exposed to CEL as a map.
type parsedURL struct {
	Scheme string
	Host   string
	Port   int64
	Path   string
	Query  map[string]string
}

func (u *parsedURL) toMap() map[string]any {
	return map[string]any{
		"scheme": u.Scheme,
		"host":   u.Host,
		"port":   u.Port,
		"path":   u.Path,
		"query":  u.Query,
	}
}

// parseURL parses s with urlx, the parser the scripts' URL and
// std.url.parse use too: it rejects anything a browser might read
// differently from Go's net/url, so that a rule's view of a URL is the one
// the request will use.
func parseURL(s string) (*parsedURL, error) {
	u, err := urlx.Parse(s)
	if err != nil {
		return nil, err
	}
	return &parsedURL{Scheme: u.Scheme, Host: u.Host, Port: u.Port, Path: u.Path, Query: u.Query()}, nil
}

// parseIP parses an IPv4 or IPv6 address without zone; leading zeros in IPv4
// parts are rejected.
func parseIP(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("ip: %q is not an IP address", s)
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("ip: zone not allowed in %q", s)
	}
	return a, nil
}

func inCIDR(ip, cidr string) (bool, error) {
	a, err := parseIP(ip)
	if err != nil {
		return false, err
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false, fmt.Errorf("inCIDR: bad CIDR %q", cidr)
	}
	if p.Addr().Zone() != "" {
		return false, fmt.Errorf("inCIDR: zone not allowed in %q", cidr)
	}
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return p.Masked().Contains(a), nil
}

// special is the list of special-purpose addresses isPrivateIP refuses: the
// IANA IPv4 and IPv6 special-purpose registries as code.dny.dev/ssrf keeps
// them (all of IPv6 outside 2000::/3, and 6to4, documentation and protocol
// ranges inside it). bridge/http's dialer refuses the same list, so a rule
// written with isPrivateIP and the connection check agree.
var special = ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork())

func isPrivateIP(s string) (bool, error) {
	a, err := parseIP(s)
	if err != nil {
		return false, err
	}
	return isPrivateAddr(a), nil
}

// isPrivateAddr reports whether a is a special-purpose address. An
// IPv4-mapped IPv6 address is judged as the IPv4 address it maps.
func isPrivateAddr(a netip.Addr) bool {
	return special.SafeAddr(a.Unmap()) != nil
}
