/*
 * net.h - public addresses.  Outgoing connections whose target a third
 * party names (a webhook URL, an SNS SubscribeURL, a domain's MX hosts)
 * go to public unicast addresses only, unless the configuration allows
 * others: otherwise whoever controls the name could make leadgate talk to
 * its own machine or network (SSRF).
 */
#ifndef LG_NET_H
#define LG_NET_H

#include "common/common.h"

#include <sys/socket.h>

/*
 * Whether sa (AF_INET or AF_INET6) is a public unicast address; an IPv6
 * address that embeds an IPv4 one (::ffff:a.b.c.d, 64:ff9b::/96, 2002::/16)
 * is judged by it.  Otherwise a word for what it is ("loopback",
 * "private", ...) into *what (static), when what is not NULL.
 */
bool lg_addr_public(const struct sockaddr *sa, const char **what);

#endif
