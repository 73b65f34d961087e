package route

// Fault injection: Block cuts the route to one server and refuses it until
// Unblock, without stopping either server. Test helpers use it on both
// ends to partition two servers; the chaos tests of later layers will too.

// Block closes the route to serverID, if any, and refuses routes with it
// (both dialed and accepted) until Unblock.
func (m *Manager) Block(serverID string) {
	m.mu.Lock()
	m.mu.blocked[serverID] = true
	l := m.mu.links[serverID]
	m.mu.Unlock()
	if l != nil {
		l.rc.Close()
		<-l.done
	}
}

// Unblock lifts Block and makes waiting dialers try again at once.
func (m *Manager) Unblock(serverID string) {
	m.mu.Lock()
	delete(m.mu.blocked, serverID)
	close(m.mu.wake)
	m.mu.wake = make(chan struct{})
	m.mu.Unlock()
}
