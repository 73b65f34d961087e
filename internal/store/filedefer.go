package store

import "time"

// StoreMsgDeferred is StoreMsg without the wait for durability, for
// callers that hold their acknowledgements until WaitDurable returns and
// so let one fsync cover many messages of one writer. lsn is the log
// position that covers the message; it is 0 when there is nothing to wait
// for (async mode). The record is synced within a short delay even if
// nobody waits.
func (fs *FileStore) StoreMsgDeferred(subj string, hdr, data []byte, ttl time.Duration) (seq uint64, ts int64, lsn uint64, err error) {
	seq, ts, lsn, err = fs.appendMsg(subj, hdr, data, ttl)
	if err == nil && lsn > 0 && fs.durable.Load() < lsn {
		fs.syncer.later(fs, lazySyncDelay)
	}
	return seq, ts, lsn, err
}

// appendMsg stores a message with the next sequence and returns the log
// position a caller must wait for before acknowledging it: 0 in async
// mode, where the record is already written to the operating system. In
// durable mode the record stays buffered until the next sync round.
func (fs *FileStore) appendMsg(subj string, hdr, data []byte, ttl time.Duration) (seq uint64, ts int64, lsn uint64, err error) {
	fs.mu.Lock()
	seq, ts = fs.mu.last+1, max(fs.clock(), fs.mu.lastTS)
	err = fs.storeLocked(subj, hdr, data, seq, ts, ttl, true)
	lsn, cerr := fs.commitLocked(err == nil)
	fs.mu.unlockAndNotify()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return 0, 0, 0, err
	}
	if fs.async() {
		lsn = 0
	}
	return seq, ts, lsn, nil
}

// DefersDurability reports whether stored messages become durable after
// StoreMsgDeferred returns (durable mode), so that acks must wait for
// WaitDurable; in async mode they need not.
func (fs *FileStore) DefersDurability() bool { return !fs.async() }

// WaitDurable waits until the log is durable up to lsn, as returned by
// StoreMsgDeferred.
func (fs *FileStore) WaitDurable(lsn uint64) error {
	if lsn == 0 || fs.durable.Load() >= lsn {
		return nil
	}
	return fs.waitDurable(lsn)
}
