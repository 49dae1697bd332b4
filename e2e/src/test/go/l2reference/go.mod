module tenantproxy.dev/l2reference

go 1.21
