package http

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/scriptrun/scriptrun/internal/urlx"
)

// target is a checked URL: what the request will use.
type target struct {
	u    *url.URL
	host string // canonical: lowercase name, dotted-quad IPv4 or IPv6 without brackets
	port uint16
}

// checkURL parses s with internal/urlx, the parser of the policy's url(),
// so that a rule's view of a URL is the one the request uses, and then
// asks more of it: http or https, a port other than 0, no empty port. The
// request goes to the host as urlx reads it, without the fragment.
func checkURL(s string) (*target, error) {
	x, err := urlx.Parse(s)
	if err != nil {
		return nil, err
	}
	if x.Scheme != "http" && x.Scheme != "https" {
		return nil, fmt.Errorf("url: scheme %q: only http and https", x.Scheme)
	}
	if x.PortGiven && x.Port == 0 {
		return nil, errors.New("url: bad port 0")
	}
	u, err := url.Parse(s) // urlx accepted it, so net/url does
	if err != nil {
		return nil, fmt.Errorf("url: %v", err)
	}
	if u.Port() == "" && strings.HasSuffix(u.Host, ":") {
		return nil, errors.New("url: empty port")
	}
	u.Fragment, u.RawFragment = "", ""
	u.Host = x.Hostname()
	if x.PortGiven {
		u.Host += fmt.Sprintf(":%d", x.Port)
	}
	return &target{u: u, host: x.Host, port: uint16(x.Port)}, nil
}
