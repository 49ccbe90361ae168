// ferretdb-local runs an embedded FerretDB 1.24 (MongoDB wire protocol) with the
// SQLite backend for finchat's local stack (deploy/local/stack.sh). It listens on
// -listen (default 127.0.0.1:27018), keeps its SQLite files under -data, and runs
// until SIGINT/SIGTERM. Built by deploy/local/install-deps.sh into
// ~/.cache/finchat/bin/ferretdb-local.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27018", "TCP address to listen on")
	data := flag.String("data", ".local/ferretdb", "directory for the SQLite databases")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn, error")
	// SQLite runs in WAL mode. "normal" syncs the log at checkpoints, not at every commit:
	// a write survives the crash of any process, and only a power loss can take the last
	// moments (the local Kafka broker, which never fsyncs per message, gives the same).
	// "full" syncs every commit (1-3 ms per write on the machines we measured).
	sync := flag.String("sqlite-sync", "normal", "SQLite synchronous setting: normal or full")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-local: bad -log-level: %v\n", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	if *sync != "normal" && *sync != "full" {
		fmt.Fprintf(os.Stderr, "ferretdb-local: bad -sqlite-sync %q (normal or full)\n", *sync)
		os.Exit(2)
	}

	dir, err := filepath.Abs(*data)
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		logger.Error("data directory", "dir", *data, "error", err)
		os.Exit(1)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/?_pragma=synchronous(" + *sync + ")",
	})
	if err != nil {
		logger.Error("start", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger.Info("ferretdb-local listening", "addr", *listen, "data", dir)
	if err := f.Run(ctx); err != nil {
		logger.Error("run", "error", err)
		os.Exit(1)
	}
	logger.Info("ferretdb-local stopped")
}
