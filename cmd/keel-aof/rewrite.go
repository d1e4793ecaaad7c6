package main

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// runRewrite is BGREWRITEAOF without a server: load the directory, take a
// checkpoint (which also removes the segments it covers), close.
func runRewrite(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("rewrite", "--dir <datadir>", stderr)
	dir := fl.String("dir", "", "data directory")
	databases := fl.Int("databases", 16, "databases the directory's writes may use")
	quiet := fl.Bool("quiet", false, "no progress lines")
	if err := parseFlags(fl, args, "dir"); err != nil {
		return err
	}
	logger := newLogger(stderr, *quiet)
	lock, err := lockDir(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	shards, err := loggedShards(*dir)
	if err != nil {
		return err
	}
	before, err := logBytes(*dir)
	if err != nil {
		return err
	}
	start := time.Now()
	o, err := openOffline(*dir, max(shards, 1), *databases, true, logger)
	if err != nil {
		return err
	}
	keys := o.srv.KeyCount()
	o.srv.Start()
	ckErr := o.srv.Checkpoint(true)
	o.srv.Stop()
	if err := errors.Join(ckErr, o.close()); err != nil {
		return err
	}
	after, err := logBytes(*dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rewrite: %d keys checkpointed in %.2fs; logs %d -> %d bytes\n",
		keys, time.Since(start).Seconds(), before, after)
	return nil
}

// logBytes is the size of the segments dir's MANIFEST names.
func logBytes(dir string) (int64, error) {
	d, err := loadDataDir(dir)
	if err != nil {
		return 0, err
	}
	return totalSize(d), nil
}
