/*
 * Who may connect: networks written ADDR[/PREFIX], parsed from a buffer and
 * matched against a peer's address.  An IPv4-mapped IPv6 address (a dual
 * stack listener's view of an IPv4 peer) is taken as the IPv4 address it
 * carries, in a network and in a peer alike.
 */
#include "fxfer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* A prefix length: decimal, no sign, no leading zero, at most max. */
static int parse_prefix(const char *s, size_t len, unsigned max, unsigned *prefix)
{
	unsigned v = 0;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*prefix = v;
	return 0;
}

int fx_net_parse(const char *s, size_t len, struct fx_net *net)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = memchr(s, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - s) : len;
	struct fx_net n;

	memset(&n, 0, sizeof(n));
	/* inet_pton wants a string: copy at most what an address can be. */
	if (alen == 0 || alen >= sizeof(addr) || memchr(s, '\0', len) != NULL)
		goto bad;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, n.addr) == 1) {
		n.family = AF_INET;
		n.prefix = 32;
	} else if (strchr(addr, ':') != NULL && inet_pton(AF_INET6, addr, n.addr) == 1) {
		n.family = AF_INET6;
		n.prefix = 128;
	} else {
		goto bad;
	}
	if (slash != NULL &&
	    parse_prefix(slash + 1, len - alen - 1, n.prefix, &n.prefix) < 0)
		goto bad;
	if (n.family == AF_INET6 && memcmp(n.addr, v4_mapped, sizeof(v4_mapped)) == 0) {
		if (n.prefix < 96)
			goto bad; /* half an IPv4 mapping: no such network of IPv4 peers */
		memmove(n.addr, n.addr + 12, 4);
		memset(n.addr + 4, 0, 12);
		n.family = AF_INET;
		n.prefix -= 96;
	}
	*net = n;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* Do the first bits bits of a and b agree? */
static int same_prefix(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned mask = (0xffu << (8 - rest)) & 0xffu;
	return (a[whole] & mask) == (b[whole] & mask);
}

int fx_net_match(const struct fx_net *net, const struct sockaddr *sa)
{
	const unsigned char *a;
	int family = sa->sa_family;

	if (family == AF_INET) {
		a = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, v4_mapped, sizeof(v4_mapped)) == 0) {
			a += 12;
			family = AF_INET;
		}
	} else {
		return 0;
	}
	return family == net->family && same_prefix(a, net->addr, net->prefix);
}
