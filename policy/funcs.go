package policy

import (
	"fmt"
	"net/netip"

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

// specialPrefixes lists non-public ranges not covered by netip's predicates.
func specialPrefixes() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
		netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
		netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
		netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
		netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
		netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
		netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: treated as non-public
		netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
		netip.MustParsePrefix("2001:db8::/32"),  // documentation
		netip.MustParsePrefix("100::/64"),       // discard
	}
}

func isPrivateIP(s string) (bool, error) {
	a, err := parseIP(s)
	if err != nil {
		return false, err
	}
	return isPrivateAddr(a.Unmap()), nil
}

func isPrivateAddr(a netip.Addr) bool {
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range specialPrefixes() {
		if p.Contains(a) {
			return true
		}
	}
	// 6to4 (2002::/16) embeds an IPv4 address in bits 16..48.
	if a.Is6() {
		b := a.As16()
		if b[0] == 0x20 && b[1] == 0x02 {
			return isPrivateAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return false
}
