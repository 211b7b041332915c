package orgsim

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
)

// Pagination tokens are opaque to clients: base64url of the offset and a MAC
// over the offset, the operation and the request's scope (account, region,
// parameters), keyed with a per-server secret. A token from another
// operation, another scope or another server, or an edited one, is refused.

func (s *Server) encodeToken(scope string, offset int) string {
	payload := strconv.Itoa(offset)
	mac := hashOf(s.secret, "token", scope, payload)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], mac)
	return base64.RawURLEncoding.EncodeToString([]byte(payload + "." + string(b[:])))
}

// decodeToken returns the offset a token stands for; "" is offset 0.
func (s *Server) decodeToken(scope, token string) (int, bool) {
	if token == "" {
		return 0, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	payload, mac, ok := strings.Cut(string(raw), ".")
	if !ok || len(mac) != 8 {
		return 0, false
	}
	if binary.BigEndian.Uint64([]byte(mac)) != hashOf(s.secret, "token", scope, payload) {
		return 0, false
	}
	off, err := strconv.Atoi(payload)
	if err != nil || off < 0 {
		return 0, false
	}
	return off, true
}

// page cuts items[offset:offset+size] and returns the token of the next page,
// or "" on the last page.
func page[T any](s *Server, scope string, items []T, offset, size int) ([]T, string) {
	if offset > len(items) {
		offset = len(items)
	}
	end := min(offset+size, len(items))
	next := ""
	if end < len(items) {
		next = s.encodeToken(scope, end)
	}
	return items[offset:end], next
}

// tokenScope builds a token scope from the operation and what the request
// asked for.
func tokenScope(c *call, parts ...string) string {
	return c.opKey() + "\x00" + c.p.account + "\x00" + c.region + "\x00" + strings.Join(parts, "\x00")
}
