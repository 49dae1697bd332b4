// Command l2reference is the L2 benchmark's reference point (PassThroughBenchIT,
// -Dbench.l2.reference=go): the least a TLS-terminating Kubernetes proxy in request-header mode
// does, written with Go's standard library only (net/http, net/http/httputil, crypto/tls).
//
// It verifies the caller's client certificate, removes the caller's identity headers, names the
// caller to the API server by X-Remote-User / X-Remote-Group (from the certificate's CN and O) over
// a connection authenticated by a request-header client certificate, and streams the answer back
// through httputil.ReverseProxy. HTTP/2 on both sides, as Go enables it for TLS by default. Nothing
// else: no authorization of its own, no served reads, no audit line, no metrics. Not a product and
// not shipped: it exists to show what any proxy on the same machine pays for the two TLS
// connections and HTTP/2 codecs alone.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
)

// buffers gives httputil.ReverseProxy its copy buffers from a pool, as a tuned Go proxy does
// (without one, each request allocates 32 KiB for its body copy).
type buffers struct{ pool sync.Pool }

func (b *buffers) Get() []byte {
	if buf, ok := b.pool.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32*1024)
}

func (b *buffers) Put(buf []byte) { b.pool.Put(&buf) }

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	certFile := flag.String("tls-cert-file", "", "serving certificate (PEM)")
	keyFile := flag.String("tls-private-key-file", "", "serving key (PEM)")
	clientCA := flag.String("client-ca-file", "", "CA of the callers' client certificates")
	upstream := flag.String("upstream", "", "API server URL")
	upstreamCA := flag.String("upstream-ca-file", "", "CA of the API server's serving certificate")
	proxyCert := flag.String("proxy-client-cert-file", "", "request-header client certificate")
	proxyKey := flag.String("proxy-client-key-file", "", "request-header client key")
	flag.Parse()

	target, err := url.Parse(*upstream)
	if err != nil || target.Host == "" {
		log.Fatalf("-upstream %q: not a URL", *upstream)
	}
	callers := pool(*clientCA)
	upstreamRoots := pool(*upstreamCA)
	client, err := tls.LoadX509KeyPair(*proxyCert, *proxyKey)
	if err != nil {
		log.Fatalf("request-header client certificate: %v", err)
	}
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{
			RootCAs:      upstreamRoots,
			Certificates: []tls.Certificate{client},
		},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 256,
	}
	proxy := &httputil.ReverseProxy{
		Transport:  transport,
		BufferPool: &buffers{},
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
			for name := range r.Out.Header {
				lower := strings.ToLower(name)
				if lower == "authorization" || strings.HasPrefix(lower, "impersonate-") ||
					strings.HasPrefix(lower, "x-remote-") {
					r.Out.Header.Del(name)
				}
			}
			subject := r.In.TLS.PeerCertificates[0].Subject
			r.Out.Header.Set("X-Remote-User", subject.CommonName)
			for _, group := range subject.Organization {
				r.Out.Header.Add("X-Remote-Group", group)
			}
		},
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure",` +
				`"reason":"Unauthorized","code":401}`))
			return
		}
		proxy.ServeHTTP(w, r)
	})
	server := &http.Server{
		Addr:    *listen,
		Handler: handler,
		TLSConfig: &tls.Config{
			ClientAuth: tls.VerifyClientCertIfGiven,
			ClientCAs:  callers,
		},
		ErrorLog: log.New(os.Stderr, "l2reference: ", log.LstdFlags),
	}
	log.Printf("serving on %s, upstream %s", *listen, target)
	log.Fatal(server.ListenAndServeTLS(*certFile, *keyFile))
}

func pool(file string) *x509.CertPool {
	pem, err := os.ReadFile(file)
	if err != nil {
		log.Fatalf("%s: %v", file, err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pem) {
		log.Fatalf("%s: no certificate", file)
	}
	return p
}
