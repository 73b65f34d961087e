package server

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"
)

// Authentication errors. They are logged; the client only ever sees
// 'Authorization Violation', as with the reference.
var (
	ErrBadCredentials = errors.New("invalid credentials")
	ErrUnknownUser    = errors.New("unknown user")
	ErrBadSignature   = errors.New("nkey signature verification failed")
)

// authResult is what a successful authentication binds the client to.
type authResult struct {
	acc   *Account
	user  string
	perms *perms
}

// authenticator checks CONNECT credentials against the configured users.
// Immutable after the server starts.
type authenticator struct {
	required   bool
	token      string
	tokenAcc   *Account
	users      map[string]*User
	nkeys      map[string]*NkeyUser
	noAuthUser string
	srv        *Server
}

func newAuthenticator(s *Server) (*authenticator, error) {
	o := s.opts
	a := &authenticator{
		srv:        s,
		token:      o.Authorization,
		users:      make(map[string]*User),
		nkeys:      make(map[string]*NkeyUser),
		noAuthUser: o.NoAuthUser,
	}
	if o.Username != "" {
		a.users[o.Username] = &User{Username: o.Username, Password: o.Password}
	}
	for _, u := range o.Users {
		if _, dup := a.users[u.Username]; dup {
			return nil, fmt.Errorf("duplicate user %q", u.Username)
		}
		if u.Account != "" && s.accounts.lookup(u.Account) == nil {
			return nil, fmt.Errorf("user %q: unknown account %q", u.Username, u.Account)
		}
		a.users[u.Username] = u
	}
	for _, u := range o.NkeyUsers {
		if !nkeys.IsValidPublicUserKey(u.Nkey) {
			return nil, fmt.Errorf("not a valid user nkey: %q", u.Nkey)
		}
		if u.Account != "" && s.accounts.lookup(u.Account) == nil {
			return nil, fmt.Errorf("nkey %q: unknown account %q", u.Nkey, u.Account)
		}
		a.nkeys[u.Nkey] = u
	}
	if a.token != "" && len(a.users) > 0 {
		return nil, errors.New("can not have a token and users at the same time")
	}
	if a.noAuthUser != "" {
		if _, ok := a.users[a.noAuthUser]; !ok {
			return nil, fmt.Errorf("no_auth_user %q not present as user", a.noAuthUser)
		}
	}
	a.required = a.token != "" || len(a.users) > 0 || len(a.nkeys) > 0
	return a, nil
}

// needsNonce reports whether INFO must carry a nonce for nkey signatures.
func (a *authenticator) needsNonce() bool { return len(a.nkeys) > 0 }

// authenticate checks the credentials of a CONNECT.
func (a *authenticator) authenticate(c *client, co *connectOpts) (*authResult, error) {
	s := a.srv
	if !a.required {
		return &authResult{acc: s.gacc}, nil
	}
	switch {
	case co.Nkey != "":
		u, ok := a.nkeys[co.Nkey]
		if !ok {
			return nil, fmt.Errorf("nkey %q: %w", co.Nkey, ErrUnknownUser)
		}
		if err := verifyNonce(co.Nkey, co.Sig, c.nonce); err != nil {
			return nil, err
		}
		return a.bind(u.Nkey, u.Account, u.Permissions), nil
	case a.token != "":
		if !passwordMatches(a.token, co.Token) {
			return nil, ErrBadCredentials
		}
		return &authResult{acc: s.gacc}, nil
	case co.User != "":
		u, ok := a.users[co.User]
		if !ok {
			return nil, fmt.Errorf("user %q: %w", co.User, ErrUnknownUser)
		}
		if !passwordMatches(u.Password, co.Pass) {
			return nil, fmt.Errorf("user %q: %w", co.User, ErrBadCredentials)
		}
		return a.bind(u.Username, u.Account, u.Permissions), nil
	case a.noAuthUser != "" && co.Token == "" && co.Nkey == "":
		u := a.users[a.noAuthUser]
		return a.bind(u.Username, u.Account, u.Permissions), nil
	}
	return nil, ErrBadCredentials
}

func (a *authenticator) bind(user, account string, p *Permissions) *authResult {
	acc := a.srv.gacc
	if account != "" {
		acc = a.srv.accounts.lookup(account)
	}
	return &authResult{acc: acc, user: user, perms: newPerms(p)}
}

// passwordMatches compares a configured password or token, plain or bcrypt
// hashed, with the one a client sent.
func passwordMatches(configured, given string) bool {
	if strings.HasPrefix(configured, "$2") {
		return bcrypt.CompareHashAndPassword([]byte(configured), []byte(given)) == nil
	}
	return subtle.ConstantTimeCompare([]byte(configured), []byte(given)) == 1
}

// verifyNonce checks an nkey signature of the nonce sent in INFO.
func verifyNonce(pub, sig string, nonce []byte) error {
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		if raw, err = base64.StdEncoding.DecodeString(sig); err != nil {
			return fmt.Errorf("nkey signature: %w", ErrBadSignature)
		}
	}
	kp, err := nkeys.FromPublicKey(pub)
	if err != nil {
		return fmt.Errorf("nkey %q: %w", pub, err)
	}
	if err := kp.Verify(nonce, raw); err != nil {
		return fmt.Errorf("nkey %q: %w", pub, ErrBadSignature)
	}
	return nil
}
