// Package rpc implements the API's services (proto/stagecraft/v1) over
// the tenants: each call acts for the tenant of its API key (server/auth
// put it in the context), converts the request, applies it as one engine
// input or reads committed state, and maps what went wrong onto Connect
// codes with a message that says how to fix it.
package rpc

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/server/auth"
	"github.com/stagecraft/stagecraft/server/delivery"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// Delivery tells the state of a message's delivery (server/delivery).
type Delivery interface {
	Status(t *tenant.Tenant, ef *engine.Effect) delivery.Status
}

// Server holds what the handlers share.
type Server struct {
	Tenants  *tenant.Registry
	Delivery Delivery // nil: every message is pending
	// PageKey signs page tokens (pagetoken.go); nil: a key of this
	// process's, so that tokens do not outlive it.
	PageKey []byte

	pageOnce sync.Once
	pageK    []byte

	checkOnce sync.Once
	checkC    *checkCache
}

// checks is the cache of Check's answers, each tenant's its own.
func (s *Server) checks() *checkCache {
	s.checkOnce.Do(func() { s.checkC = newCheckCache(256) })
	return s.checkC
}

// tenantOf is the tenant the request acts for.
func (s *Server) tenantOf(ctx context.Context) (*tenant.Tenant, error) {
	name := auth.Tenant(ctx)
	if name == "" {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("no tenant: the request carries no valid API key"))
	}
	t, err := s.Tenants.Get(name)
	if errors.Is(err, tenant.ErrClosed) {
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, err)
	}
	return t, nil
}

// inputErr maps the error of an engine input: the store's failures are
// the server's (Internal, Unavailable while shutting down); anything else
// is the input's own fault, refused whole with the engine's explanation.
func inputErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tenant.ErrClosed), errors.Is(err, store.ErrClosed):
		return connect.NewError(connect.CodeUnavailable, err)
	case errors.Is(err, store.ErrFailed), errors.Is(err, store.ErrCorrupt):
		return connect.NewError(connect.CodeInternal, err)
	}
	return connect.NewError(connect.CodeInvalidArgument, err)
}

// readErr maps the error of reading committed state.
func readErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrClosed) {
		return connect.NewError(connect.CodeUnavailable, err)
	}
	return connect.NewError(connect.CodeInternal, err)
}

func invalid(format string, args ...any) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf(format, args...))
}

func notFound(format string, args ...any) error {
	return connect.NewError(connect.CodeNotFound, fmt.Errorf(format, args...))
}

// deployed refuses an input before any program runs.
func deployed(t *tenant.Tenant) error {
	if t.Engine.Version() == 0 {
		return connect.NewError(connect.CodeFailedPrecondition, errors.New("no rules are deployed: deploy a rule set first (RulesService.Deploy)"))
	}
	return nil
}

// maxPageBytes bounds a page of a listing in bytes, besides its count: a
// thousand items of long texts would pass 4 MiB, the most a gRPC client
// takes by default (grpcurl, buf curl), and be refused by the client after
// the server made it. A page stops before the entry that would pass it;
// the first entry is taken whatever its size, so that a page always moves
// on.
const maxPageBytes = 1 << 20

// pageBytes counts what a page holds, in the bytes of its messages.
type pageBytes struct{ n, entries int }

// fits adds msgs to the page if they fit within maxPageBytes, or if the
// page is empty; else it leaves the page as it is and says no.
func fits[M proto.Message](p *pageBytes, msgs ...M) bool {
	n := 0
	for _, m := range msgs {
		n += proto.Size(m)
	}
	if p.entries > 0 && p.n+n > maxPageBytes {
		return false
	}
	p.n += n
	p.entries += len(msgs)
	return true
}

// pageSize is a request's page size: default 100, at most 1000.
func pageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, invalid("page_size %d is negative", n)
	case n == 0:
		return 100, nil
	case n > 1000:
		return 1000, nil
	}
	return int(n), nil
}

func itoa(n int) string     { return fmt.Sprint(n) }
func itoa64(n int64) string { return fmt.Sprint(n) }
