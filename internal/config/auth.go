package config

import (
	"strings"
	"time"

	"github.com/natsnet/natsnet/internal/conf"
	"github.com/natsnet/natsnet/internal/server"
	"github.com/natsnet/natsnet/internal/subject"
)

// applyAuthorization reads the top-level authorization block, which
// configures users of the global account.
func applyAuthorization(o *server.Options, v *conf.Value) error {
	m, err := mapOf(v, "authorization")
	if err != nil {
		return err
	}
	var defaultPerms *server.Permissions
	for key, e := range m.All() {
		switch strings.ToLower(key) {
		case "user", "username":
			o.Username, err = str(e)
		case "password", "pass":
			o.Password, err = str(e)
		case "token":
			o.Authorization, err = str(e)
		case "timeout":
			o.AuthTimeout, err = duration(e, time.Second)
		case "users":
			var users []*server.User
			var nkeys []*server.NkeyUser
			users, nkeys, err = parseUsers(e, "")
			o.Users = append(o.Users, users...)
			o.NkeyUsers = append(o.NkeyUsers, nkeys...)
		case "permissions", "default_permissions":
			defaultPerms, err = parsePermissions(e)
		default:
			if m.UsedAsVariable(key) {
				continue
			}
			err = errAt(e, "authorization: unknown key %q", key)
		}
		if err != nil {
			return err
		}
	}
	if defaultPerms != nil {
		for _, u := range o.Users {
			if u.Permissions == nil {
				u.Permissions = defaultPerms
			}
		}
		for _, u := range o.NkeyUsers {
			if u.Permissions == nil {
				u.Permissions = defaultPerms
			}
		}
	}
	return nil
}

// applyAccounts reads the accounts block: each account with its users.
func applyAccounts(o *server.Options, v *conf.Value) ([]*server.User, []*server.NkeyUser, error) {
	m, err := mapOf(v, "accounts")
	if err != nil {
		return nil, nil, err
	}
	var users []*server.User
	var nkeys []*server.NkeyUser
	for name, e := range m.All() {
		if name == server.DefaultGlobalAccount {
			return nil, nil, errAt(e, "account name %q is reserved", name)
		}
		o.Accounts = append(o.Accounts, &server.AccountConfig{Name: name})
		if e.Kind != conf.KindMap {
			return nil, nil, errAt(e, "account %q: expected a block, got %s", name, e.Kind)
		}
		for key, f := range e.Map.All() {
			switch strings.ToLower(key) {
			case "users":
				u, n, err := parseUsers(f, name)
				if err != nil {
					return nil, nil, err
				}
				users = append(users, u...)
				nkeys = append(nkeys, n...)
			case "jetstream":
				lim, err := parseAccountJetStream(f)
				if err != nil {
					return nil, nil, err
				}
				o.Accounts[len(o.Accounts)-1].JetStream = lim
			default:
				if e.Map.UsedAsVariable(key) {
					continue
				}
				return nil, nil, errAt(f, "account %q: %q is not supported", name, key)
			}
		}
	}
	return users, nkeys, nil
}

// parseUsers reads a users list bound to account ("" for the global one).
func parseUsers(v *conf.Value, account string) ([]*server.User, []*server.NkeyUser, error) {
	if v.Kind != conf.KindArray {
		return nil, nil, errAt(v, "users: expected a list, got %s", v.Kind)
	}
	var users []*server.User
	var nkeys []*server.NkeyUser
	for _, e := range v.Array {
		m, err := mapOf(e, "user")
		if err != nil {
			return nil, nil, err
		}
		u := &server.User{Account: account}
		var nkey string
		for key, f := range m.All() {
			switch strings.ToLower(key) {
			case "user", "username":
				u.Username, err = str(f)
			case "password", "pass":
				u.Password, err = str(f)
			case "nkey":
				nkey, err = str(f)
			case "permissions", "permission":
				u.Permissions, err = parsePermissions(f)
			case "account":
				u.Account, err = str(f)
			default:
				err = errAt(f, "user: unknown key %q", key)
			}
			if err != nil {
				return nil, nil, err
			}
		}
		switch {
		case nkey != "" && u.Username != "":
			return nil, nil, errAt(e, "user: nkey and user are exclusive")
		case nkey != "":
			nkeys = append(nkeys, &server.NkeyUser{Nkey: nkey, Account: u.Account, Permissions: u.Permissions})
		case u.Username != "":
			users = append(users, u)
		default:
			return nil, nil, errAt(e, "user: needs user or nkey")
		}
	}
	return users, nkeys, nil
}

// parsePermissions reads {publish, subscribe, allow_responses}.
func parsePermissions(v *conf.Value) (*server.Permissions, error) {
	m, err := mapOf(v, "permissions")
	if err != nil {
		return nil, err
	}
	p := &server.Permissions{}
	for key, e := range m.All() {
		switch strings.ToLower(key) {
		case "publish", "pub":
			p.Publish, err = parseSubjectPermission(e)
		case "subscribe", "sub":
			p.Subscribe, err = parseSubjectPermission(e)
		case "allow_responses", "allow_responses_max":
			p.Response, err = parseResponsePermission(e)
		default:
			err = errAt(e, "permissions: unknown key %q", key)
		}
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// parseSubjectPermission reads a subject list, or {allow, deny}.
func parseSubjectPermission(v *conf.Value) (*server.SubjectPermission, error) {
	if v.Kind == conf.KindMap {
		sp := &server.SubjectPermission{}
		for key, e := range v.Map.All() {
			list, err := subjectList(e)
			if err != nil {
				return nil, err
			}
			switch strings.ToLower(key) {
			case "allow":
				sp.Allow = list
			case "deny":
				sp.Deny = list
			default:
				return nil, errAt(e, "permissions: expected allow or deny, got %q", key)
			}
		}
		return sp, nil
	}
	list, err := subjectList(v)
	if err != nil {
		return nil, err
	}
	return &server.SubjectPermission{Allow: list}, nil
}

// subjectList reads subjects ("subject" or "subject queue") and checks them.
func subjectList(v *conf.Value) ([]string, error) {
	list, err := strList(v)
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		filter := s
		if i := strings.IndexByte(s, ' '); i >= 0 {
			filter = s[:i]
		}
		if !subject.ValidFilter(filter) {
			return nil, errAt(v, "invalid subject %q in permissions", s)
		}
	}
	return list, nil
}

func parseResponsePermission(v *conf.Value) (*server.ResponsePermission, error) {
	switch v.Kind {
	case conf.KindBool:
		if !v.Bool {
			return nil, nil
		}
		return &server.ResponsePermission{MaxMsgs: 1}, nil
	case conf.KindMap:
		rp := &server.ResponsePermission{MaxMsgs: 1}
		for key, e := range v.Map.All() {
			var err error
			switch strings.ToLower(key) {
			case "max", "max_msgs", "max_messages", "max_responses":
				rp.MaxMsgs, err = intVal(e)
			case "expires", "ttl":
				rp.Expires, err = duration(e, time.Second)
			default:
				err = errAt(e, "allow_responses: unknown key %q", key)
			}
			if err != nil {
				return nil, err
			}
		}
		return rp, nil
	}
	return nil, errAt(v, "allow_responses: expected a boolean or a block, got %s", v.Kind)
}

// parseAccountJetStream reads an account's jetstream setting: enabled,
// disabled, or a block of limits.
func parseAccountJetStream(v *conf.Value) (*server.JetStreamLimits, error) {
	switch v.Kind {
	case conf.KindBool:
		if v.Bool {
			return server.UnlimitedJetStream(), nil
		}
		return nil, nil
	case conf.KindString:
		switch strings.ToLower(v.Str) {
		case "enabled", "enable", "true":
			return server.UnlimitedJetStream(), nil
		case "disabled", "disable", "false":
			return nil, nil
		}
		return nil, errAt(v, "jetstream: expected enabled or disabled, got %q", v.Str)
	case conf.KindMap:
		lim := server.UnlimitedJetStream()
		for key, e := range v.Map.All() {
			var err error
			var n int
			switch strings.ToLower(key) {
			case "max_memory", "max_mem", "mem", "memory":
				n, err = intVal(e)
				lim.MaxMemory = int64(n)
			case "max_file", "max_store", "max_disk", "store", "disk":
				n, err = intVal(e)
				lim.MaxStore = int64(n)
			case "max_streams", "streams":
				lim.MaxStreams, err = intVal(e)
			case "max_consumers", "consumers":
				lim.MaxConsumers, err = intVal(e)
			case "max_ack_pending":
				lim.MaxAckPending, err = intVal(e)
			case "max_bytes_required", "max_bytes":
				lim.MaxBytesRequired, err = boolVal(e)
			default:
				err = errAt(e, "jetstream: unknown account limit %q", key)
			}
			if err != nil {
				return nil, err
			}
		}
		return lim, nil
	}
	return nil, errAt(v, "jetstream: expected a boolean, a string or a block, got %s", v.Kind)
}
