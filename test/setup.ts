import { installLocalhostDns } from './helpers/localhost-dns.ts';

installLocalhostDns();
