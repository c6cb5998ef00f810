// bench/loadgen.c: the load generator of bench:serve's concurrency-64 runs,
// in C so that it adds as little as it can to what it measures (as wrk does).
// `concurrency` kept-alive connections each post the same request back to back
// for warm + seconds; over the last `seconds`: each answer's latency (its
// request's write → its last byte), and its overhead beyond the server's wait
// on the upstreams (Server-Timing upstreams;dur) as this client sees it and as
// the server does (total;dur − upstreams;dur), and in how many of the run's
// 10 ms windows the slowest 1% were sent. It prints "begin" when the warm-up
// ends, "end" when the last answer is in, then one line of JSON.
// An answer that is not a 200 framed by its Content-Length is bad; a request
// whose connection closes before its answer is lost.
//
//   cc -O2 -o loadgen bench/loadgen.c
//   loadgen <host> <port> <path> <body file> <concurrency> <warm s> <seconds>
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (1 << 20)

typedef struct {
  int fd;
  double t0;      // when its request was written (s)
  char *buf;
  size_t have;
  long head;      // where the head's blank line starts, once it is in
  long need;      // head + body bytes, once the head is in; -1 before
  int pending;    // a request is waiting for its answer
} Conn;

typedef struct {
  double *x;
  size_t n, cap;
} Vec;

static void push(Vec *v, double x) {
  if (v->n == v->cap) {
    v->cap = v->cap ? 2 * v->cap : 4096;
    v->x = realloc(v->x, v->cap * sizeof(double));
    if (!v->x) exit(3);
  }
  v->x[v->n++] = x;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/** the p-quantile as bench/serve.mjs takes it: the entry at floor(p·n) of the sorted list */
static double q(Vec *v, double p) {
  if (!v->n) return -1;
  size_t i = (size_t)(p * v->n);
  return v->x[i < v->n ? i : v->n - 1];
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static const char *req;
static size_t reqLen;
static struct sockaddr_in addr;
static int ep;

/** a case-insensitive search for `name` (lower case) at a line start in head[0, n) */
static const char *header(const char *head, size_t n, const char *name) {
  size_t k = strlen(name);
  for (const char *p = head; p + k < head + n; p++) {
    if (p[0] != '\n' || strncasecmp(p + 1, name, k)) continue;
    return p + 1 + k;
  }
  return NULL;
}

/** the number after `key` in a Server-Timing value (e.g. "upstreams;dur="), or -1 */
static double timing(const char *st, const char *end, const char *key) {
  if (!st || !end) return -1;
  const char *p = memmem(st, end - st, key, strlen(key));
  return p ? strtod(p + strlen(key), NULL) : -1;
}

static int dial(Conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0) return -1;
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
  return 0;
}

/** done with the connection: out of the poll set, closed, nothing waiting on it */
static void hangUp(Conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->pending = 0;
}

/** write the request (small: one write, retried until whole) */
static void send1(Conn *c) {
  c->have = 0;
  c->need = -1;
  c->pending = 1;
  c->t0 = now();
  for (size_t off = 0; off < reqLen;) {
    ssize_t w = write(c->fd, req + off, reqLen - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; // the read side will see the close
    off += w;
  }
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: loadgen <host> <port> <path> <body file> <concurrency> <warm s> <seconds>\n");
    return 2;
  }
  FILE *f = fopen(argv[4], "rb");
  if (!f) return perror(argv[4]), 2;
  static char body[BUF];
  size_t bodyLen = fread(body, 1, sizeof body, f);
  fclose(f);
  char *r = malloc(bodyLen + 512);
  reqLen = sprintf(r, "POST %s HTTP/1.1\r\nhost: %s:%s\r\ncontent-type: application/json\r\ncontent-length: %zu\r\n\r\n", argv[3], argv[1], argv[2], bodyLen);
  memcpy(r + reqLen, body, bodyLen);
  reqLen += bodyLen;
  req = r;
  addr.sin_family = AF_INET;
  addr.sin_port = htons(atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) return fprintf(stderr, "loadgen: %s: not an IPv4 address\n", argv[1]), 2;
  int n = atoi(argv[5]);
  double warm = atof(argv[6]), secs = atof(argv[7]);

  ep = epoll_create1(0);
  Conn *cs = calloc(n, sizeof(Conn));
  for (int i = 0; i < n; i++) {
    cs[i].buf = malloc(BUF);
    if (dial(&cs[i]) < 0) return perror("loadgen: connect"), 1;
  }
  double start = now() + warm, end = start + secs;
  Vec lat = {0}, own = {0}, srv = {0}, ownAt = {0}; // ownAt: when each of own's requests was sent (s into the run)
  long bad = 0, lost = 0, lostBefore = 0;
  int begun = 0, open = n;
  for (int i = 0; i < n; i++) send1(&cs[i]);
  struct epoll_event evs[256];
  while (open > 0) {
    int k = epoll_wait(ep, evs, 256, 10);
    double t = now();
    if (!begun && t >= start) {
      begun = 1;
      lostBefore = lost;
      printf("begin\n");
      fflush(stdout);
    }
    for (int j = 0; j < k; j++) {
      Conn *c = evs[j].data.ptr;
      ssize_t got = read(c->fd, c->buf + c->have, BUF - c->have);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0 || (c->need < 0 && c->have + got >= BUF)) {
        // closed (or a head past the buffer): a waiting request is lost; a new connection goes on until the end
        if (c->pending) lost++;
        if (got > 0) bad++;
        hangUp(c);
        if (now() < end && dial(c) == 0) send1(c);
        else open--;
        continue;
      }
      c->have += got;
      if (c->need < 0) {
        char *eoh = memmem(c->buf, c->have, "\r\n\r\n", 4);
        if (!eoh) continue;
        c->head = eoh - c->buf;
        const char *cl = header(c->buf, c->head + 2, "content-length:");
        if (cl) c->need = c->head + 4 + strtol(cl, NULL, 10);
        if (!cl || c->need > BUF) {
          // not framed by its length, or larger than the buffer: bad, and the connection given up
          bad++;
          hangUp(c);
          open--;
          continue;
        }
      }
      if ((long)c->have < c->need) continue;
      double ms = (now() - c->t0) * 1000;
      const char *eoh = c->buf + c->head;
      int ok = !strncmp(c->buf, "HTTP/1.1 200 ", 13) && (long)c->have == c->need;
      if (!ok) bad++;
      if (c->t0 >= start) {
        push(&lat, ms);
        const char *st = header(c->buf, eoh - c->buf + 2, "server-timing:");
        const char *stEnd = st ? memmem(st, eoh + 2 - st, "\r\n", 2) : NULL;
        double up = timing(st, stEnd, "upstreams;dur="), total = timing(st, stEnd, "total;dur=");
        if (up >= 0) {
          push(&own, ms - up);
          push(&ownAt, c->t0 - start);
          if (total >= 0) push(&srv, total - up);
        }
      }
      c->pending = 0;
      if (now() < end) send1(c);
      else {
        hangUp(c);
        open--;
      }
    }
  }
  double wall = now() - start;
  printf("end\n");
  // the slowest 1% by overhead: in how many of the run's 10 ms windows (by sending) they fall; few: the tail is a few stalls, not steady queueing
  int windows = (int)(secs * 100) + 1, tailWindows = 0;
  if (own.n) {
    double *sorted = malloc(own.n * sizeof(double));
    memcpy(sorted, own.x, own.n * sizeof(double));
    qsort(sorted, own.n, sizeof(double), cmp);
    double cut = sorted[(size_t)(0.99 * own.n)];
    char *hit = calloc(windows + 1, 1);
    for (size_t i = 0; i < own.n; i++) {
      int w = (int)(ownAt.x[i] * 100);
      if (own.x[i] >= cut && w >= 0 && w <= windows && !hit[w]) hit[w] = 1, tailWindows++;
    }
    free(sorted);
    free(hit);
  }
  qsort(lat.x, lat.n, sizeof(double), cmp);
  qsort(own.x, own.n, sizeof(double), cmp);
  qsort(srv.x, srv.n, sizeof(double), cmp);
  printf("{\"count\":%zu,\"rps\":%.1f,\"p50\":%.4f,\"p99\":%.4f,\"own50\":%.4f,\"own99\":%.4f,\"srv50\":%.4f,\"srv99\":%.4f,\"bad\":%ld,\"lost\":%ld,\"tailWindows\":%d,\"windows\":%d}\n",
         lat.n + (size_t)(lost - lostBefore), lat.n / wall, q(&lat, 0.5), q(&lat, 0.99), q(&own, 0.5), q(&own, 0.99), q(&srv, 0.5), q(&srv, 0.99), bad, lost, tailWindows, windows);
  return 0;
}
