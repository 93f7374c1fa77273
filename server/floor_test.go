package server_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/gen/stagecraft/v1/stagecraftv1connect"
)

// BenchmarkFloor is BenchmarkIngest's calls answered at once by a bare
// connect-go handler on a bare net/http server: no keys, no limits, no
// tenant, no store. It is what a call costs on this machine before the
// server does anything, the floor under the other benchmarks' figures.
func BenchmarkFloor(b *testing.B) {
	for _, p := range protocols {
		b.Run(p.name, func(b *testing.B) {
			mux := http.NewServeMux()
			mux.Handle(stagecraftv1connect.NewEventServiceHandler(answerAtOnce{}, connect.WithCompressMinBytes(4<<10)))
			var ps http.Protocols
			ps.SetHTTP1(true)
			ps.SetUnencryptedHTTP2(true)
			srv := &http.Server{Handler: mux, Protocols: &ps, ReadHeaderTimeout: 10 * time.Second}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go srv.Serve(ln)
			defer srv.Close()
			url := "http://" + ln.Addr().String()
			hcs := h2Conns(64)
			if p.name != "h2" {
				hcs = p.conns(64)
			}
			cs := clients(hcs, func(hc *http.Client) stagecraftv1connect.EventServiceClient {
				return stagecraftv1connect.NewEventServiceClient(hc, url)
			})
			call := func(i int) error {
				_, err := cs[i%len(cs)].Ingest(context.Background(), connect.NewRequest(&v1.IngestRequest{EventId: "x", Item: "1", Event: "email opened"}))
				return err
			}
			warmUp(b, 64, call)
			runConcurrent(b, 64, call)
		})
	}
}

type answerAtOnce struct {
	stagecraftv1connect.UnimplementedEventServiceHandler
}

func (answerAtOnce) Ingest(context.Context, *connect.Request[v1.IngestRequest]) (*connect.Response[v1.IngestResponse], error) {
	return connect.NewResponse(&v1.IngestResponse{Seq: 1}), nil
}
