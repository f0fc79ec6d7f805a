package temporalserver

import (
	"context"
	"log/slog"
	"os"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// Logger routes the Temporal server's logs into slog at level and above. When exitOnFatal is
// false, Fatal and Panic are logged as errors: the server embedded in `talentflow dev` must never
// end the talentflow process on its own. A standalone `talentflow temporal-server` exits on Fatal,
// as the server's own binary does, and its supervisor restarts it.
func Logger(l *slog.Logger, level *slog.LevelVar, exitOnFatal bool) log.Logger {
	return serverLogger{log: l.With("component", "temporal-server"), level: level, exit: exitOnFatal}
}

type serverLogger struct {
	log   *slog.Logger
	level *slog.LevelVar
	exit  bool
}

func (s serverLogger) Debug(msg string, tags ...tag.Tag)  { s.emit(slog.LevelDebug, msg, tags) }
func (s serverLogger) Info(msg string, tags ...tag.Tag)   { s.emit(slog.LevelInfo, msg, tags) }
func (s serverLogger) Warn(msg string, tags ...tag.Tag)   { s.emit(slog.LevelWarn, msg, tags) }
func (s serverLogger) Error(msg string, tags ...tag.Tag)  { s.emit(slog.LevelError, msg, tags) }
func (s serverLogger) DPanic(msg string, tags ...tag.Tag) { s.emit(slog.LevelError, msg, tags) }
func (s serverLogger) Panic(msg string, tags ...tag.Tag)  { s.fatal(msg, tags) }
func (s serverLogger) Fatal(msg string, tags ...tag.Tag)  { s.fatal(msg, tags) }

func (s serverLogger) fatal(msg string, tags []tag.Tag) {
	s.emit(slog.LevelError, msg, tags)
	if s.exit {
		os.Exit(1)
	}
}

func (s serverLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	if level < s.level.Level() || !s.log.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	s.log.LogAttrs(context.Background(), level, msg, attrs...)
}
