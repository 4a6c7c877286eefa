"""nginx configurations for the benchmark: a static OpenAI-compatible upstream and a plain
reverse-proxy hop in front of it. Each runs as its own nginx master (one worker process, like
the single event loop of the proxies it is compared with), with its own prefix, pid file and
temp paths under the run's temp dir: the system nginx service is never used.

nginx's static handler refuses POST with 405; `error_page 405 =200 $uri` turns that into an
internal GET of the same location, which serves the file with status 200. nginx cannot look
at the body's `stream` flag, so the JSON and the SSE variants live at separate paths, and
each proxy under test is pointed at the one it needs.
"""

_COMMON = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
worker_rlimit_nofile 65536;

events {{
    worker_connections 16384;
}}

http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    client_max_body_size 64m;
    # Keep request bodies (the 86 KB one included) in memory, never in temp files.
    client_body_buffer_size 1m;
    types {{ }}
    default_type application/octet-stream;
{server}
}}
"""

_UPSTREAM_SERVER = """\
    server {{
        listen 127.0.0.1:{port} backlog=8192;
        location = /json/v1/chat/completions {{
            alias {files}/completion.json;
            default_type application/json;
            error_page 405 =200 $uri;
        }}
        location = /sse/v1/chat/completions {{
            alias {files}/stream.sse;
            default_type text/event-stream;
            error_page 405 =200 $uri;
        }}
        # The same stream, dripped: clients of the scale test overlap for several seconds.
        location = /slow/v1/chat/completions {{
            alias {files}/stream.sse;
            default_type text/event-stream;
            limit_rate {slow_rate};
            error_page 405 =200 $uri;
        }}
        location / {{
            return 404;
        }}
    }}"""

_HOP_SERVER = """\
    upstream static_upstream {{
        server 127.0.0.1:{upstream_port};
        keepalive 1024;
        keepalive_requests 10000000;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=8192;
        location / {{
            proxy_pass http://static_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # Relay each SSE chunk as it comes, like a streaming proxy must.
            proxy_buffering off;
        }}
    }}"""


def upstream_conf(prefix: str, port: int, files: str, slow_rate: str) -> str:
    server = _UPSTREAM_SERVER.format(port=port, files=files, slow_rate=slow_rate)
    return _COMMON.format(prefix=prefix, server=server)


def hop_conf(prefix: str, port: int, upstream_port: int) -> str:
    server = _HOP_SERVER.format(port=port, upstream_port=upstream_port)
    return _COMMON.format(prefix=prefix, server=server)
