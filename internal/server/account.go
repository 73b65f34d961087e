package server

import (
	"sync"
	"sync/atomic"

	"github.com/natsnet/natsnet/internal/sublist"
)

// Account is an isolated subject space. Clients bound to one account never
// see messages published in another.
type Account struct {
	// Name is immutable.
	Name string
	srv  *Server
	// sl holds every subscription made in this account.
	sl *sublist.Sublist[*subscription]

	nconns atomic.Int32
	// ri counts local interest for the routes (clustered servers only).
	ri interestMap

	mu struct {
		sync.Mutex
		clients map[*client]struct{} // guarded by mu
	}
}

func newAccount(s *Server, name string) *Account {
	a := &Account{Name: name, srv: s, sl: sublist.New[*subscription]()}
	a.mu.clients = make(map[*client]struct{})
	if s != nil && s.clustered {
		a.observeInterest()
	}
	return a
}

// NumConnections reports the clients bound to the account.
func (a *Account) NumConnections() int { return int(a.nconns.Load()) }

// NumSubscriptions reports the subscriptions made in the account.
func (a *Account) NumSubscriptions() uint32 { return a.sl.Count() }

func (a *Account) addClient(c *client) {
	a.mu.Lock()
	a.mu.clients[c] = struct{}{}
	a.mu.Unlock()
	a.nconns.Add(1)
}

func (a *Account) removeClient(c *client) {
	a.mu.Lock()
	_, ok := a.mu.clients[c]
	delete(a.mu.clients, c)
	a.mu.Unlock()
	if ok {
		a.nconns.Add(-1)
	}
}

// accounts is the server's registry of accounts.
type accounts struct {
	srv *Server
	mu  sync.RWMutex
	all map[string]*Account // guarded by mu
}

func (r *accounts) lookup(name string) *Account {
	r.mu.RLock()
	a := r.all[name]
	r.mu.RUnlock()
	return a
}

func (r *accounts) register(name string) *Account {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.all == nil {
		r.all = make(map[string]*Account)
	}
	if a, ok := r.all[name]; ok {
		return a
	}
	a := newAccount(r.srv, name)
	r.all[name] = a
	return a
}

func (r *accounts) list() []*Account {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Account, 0, len(r.all))
	for _, a := range r.all {
		out = append(out, a)
	}
	return out
}
