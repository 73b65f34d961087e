package raftsim

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/natsnet/natsnet/internal/raft"
)

// ProposeLoad proposes payload n times on g from par goroutines at once
// and returns how long each proposal took to commit and apply, sorted,
// for benchmarks.
func ProposeLoad(ctx context.Context, g *raft.Group, n, par int, payload []byte) ([]time.Duration, error) {
	var (
		mu    sync.Mutex
		lat   = make([]time.Duration, 0, n)
		first error
		wg    sync.WaitGroup
	)
	for w := range par {
		count := n / par
		if w == 0 {
			count += n % par
		}
		wg.Go(func() {
			mine := make([]time.Duration, 0, count)
			var err error
			for range count {
				t0 := time.Now()
				if _, err = g.Propose(ctx, payload); err != nil {
					break
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			if err != nil && first == nil {
				first = fmt.Errorf("propose: %w", err)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	return lat, first
}
