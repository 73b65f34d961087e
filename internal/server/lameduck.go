package server

import "time"

// LameDuckShutdown shuts the server down gently: it stops accepting, tells
// clients through INFO (ldm) so they can reconnect elsewhere, waits the
// grace period, then closes clients spread over the lame duck duration so
// they do not all reconnect at once, and finally shuts down.
func (s *Server) LameDuckShutdown() {
	s.mu.Lock()
	if s.mu.ldm || s.mu.shutdown {
		s.mu.Unlock()
		return
	}
	s.mu.ldm = true
	s.mu.Unlock()
	s.log.Info("entering lame duck mode", "duration", s.opts.LameDuckDuration, "grace", s.opts.LameDuckGracePeriod)
	if s.ln != nil {
		_ = s.ln.Close()
	}
	s.broadcastInfo()

	grace := s.opts.LameDuckGracePeriod
	spread := s.opts.LameDuckDuration - grace
	if !s.sleep(grace) {
		return
	}
	clients := s.clientsSnapshot()
	if n := len(clients); n > 0 {
		// Close in up to 100 batches spread over the remaining duration.
		batches := min(n, 100)
		per := (n + batches - 1) / batches
		pause := time.Duration(0)
		if spread > 0 {
			pause = spread / time.Duration(batches)
		}
		for i := 0; i < n; i += per {
			for _, c := range clients[i:min(i+per, n)] {
				c.closeConnection(reasonServerShutdown)
			}
			if i+per < n && !s.sleep(pause) {
				return
			}
		}
	}
	s.Shutdown()
}

// sleep waits d unless the server shuts down first; it reports whether the
// full time passed.
func (s *Server) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.quit:
		return false
	}
}

// InLameDuckMode reports whether lame duck mode has begun.
func (s *Server) InLameDuckMode() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.ldm
}
