package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"time"
)

// HealthcheckCmd is `talentflow healthcheck`: the container image has no shell and no curl, so
// docker-compose's healthchecks call the binary itself.
type HealthcheckCmd struct {
	URL     string        `name:"url" required:"" help:"What to GET, e.g. http://127.0.0.1:8080/readyz."`
	Timeout time.Duration `name:"timeout" default:"3s" help:"Give up after this long."`
}

// Run exits 0 when the URL answers 2xx, and otherwise says why on stderr and exits 1.
func (c *HealthcheckCmd) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	first, _ := bufio.NewReader(resp.Body).ReadString('\n')
	fmt.Fprintf(os.Stderr, "%s answers %d: %.200s\n", c.URL, resp.StatusCode, first)
	return fmt.Errorf("not healthy")
}
