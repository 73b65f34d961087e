package raft

import (
	"context"
	"fmt"
	"log/slog"
)

// raftLogger adapts slog to etcd raft's Logger. etcd's info lines
// (elections, term changes) go to debug level: with thousands of groups
// they would flood the log. Nothing is formatted unless its level is
// enabled, since etcd logs every election of every group.
type raftLogger struct{ l *slog.Logger }

func (r *raftLogger) logf(level slog.Level, format string, v []any) {
	if r.l.Enabled(context.Background(), level) {
		r.l.Log(context.Background(), level, "etcd raft: "+fmt.Sprintf(format, v...))
	}
}

func (r *raftLogger) log(level slog.Level, v []any) {
	if r.l.Enabled(context.Background(), level) {
		r.l.Log(context.Background(), level, "etcd raft: "+fmt.Sprint(v...))
	}
}

func (r *raftLogger) Debug(v ...any)                   { r.log(slog.LevelDebug, v) }
func (r *raftLogger) Debugf(format string, v ...any)   { r.logf(slog.LevelDebug, format, v) }
func (r *raftLogger) Info(v ...any)                    { r.log(slog.LevelDebug, v) }
func (r *raftLogger) Infof(format string, v ...any)    { r.logf(slog.LevelDebug, format, v) }
func (r *raftLogger) Warning(v ...any)                 { r.log(slog.LevelWarn, v) }
func (r *raftLogger) Warningf(format string, v ...any) { r.logf(slog.LevelWarn, format, v) }
func (r *raftLogger) Error(v ...any)                   { r.log(slog.LevelError, v) }
func (r *raftLogger) Errorf(format string, v ...any)   { r.logf(slog.LevelError, format, v) }
func (r *raftLogger) Fatal(v ...any)                   { r.Panic(v...) }
func (r *raftLogger) Fatalf(format string, v ...any)   { r.Panicf(format, v...) }

func (r *raftLogger) Panic(v ...any) {
	msg := fmt.Sprint(v...)
	r.l.Error("etcd raft: " + msg)
	panic(msg)
}

func (r *raftLogger) Panicf(format string, v ...any) { r.Panic(fmt.Sprintf(format, v...)) }
