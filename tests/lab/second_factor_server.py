#!/usr/bin/env python3
"""An AsyncSSH server that asks for a one-time code, as MFA logins do (Debian's python3-asyncssh).

Scenarios:
  code               keyboard-interactive only, one prompt 'Verification code: ' (not echoed).
  password-then-code the password first; a right one is a partial success (RFC 4252 5.1), after
                     which only keyboard-interactive with the code prompt is left.
It logs each answer it gets to the code prompt as 'code answer: password' when the answer is the
account's password (a client that hands the password to a code prompt), else 'code answer: other',
so a test can tell whether the password went where a code was asked. After a full login, commands
print 'second-factor-ok'.
"""
import argparse
import asyncio
import logging
import sys

import asyncssh
from asyncssh import auth as auth_module

CODE_PROMPT = 'Verification code: '


class Server(asyncssh.SSHServer):
    def __init__(self, user, password, code, scenario):
        self.user, self.password, self.code, self.scenario = user, password, code, scenario
        self.password_done = False

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return self.scenario == 'password-then-code' and not self.password_done

    def validate_password(self, username, password):
        ok = username == self.user and password == self.password
        logging.info('password %s', 'right' if ok else 'wrong')
        if ok:
            self.password_done = True
        return ok

    def kbdint_auth_supported(self):
        return self.scenario == 'code' or self.password_done

    def get_kbdint_challenge(self, username, lang, submethods):
        return '', '', '', [(CODE_PROMPT, False)]

    def validate_kbdint_response(self, username, responses):
        for answer in responses:
            logging.info('code answer: %s', 'password' if answer == self.password else 'other')
        return username == self.user and list(responses) == [self.code]


# AsyncSSH has no partial success of its own: a right password in the password-then-code scenario
# answers USERAUTH_FAILURE with partial_success set, and only keyboard-interactive left.
_send_success = auth_module._ServerPasswordAuth.send_success


def _password_success_is_partial(self):
    owner = self._conn._owner
    if isinstance(owner, Server) and owner.scenario == 'password-then-code':
        self.send_failure(partial_success=True)
    else:
        _send_success(self)


auth_module._ServerPasswordAuth.send_success = _password_success_is_partial


async def handle_process(process):
    process.stdout.write('second-factor-ok\n')
    process.exit(0)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--host-key', required=True)
    parser.add_argument('--user', required=True)
    parser.add_argument('--password-file', required=True)
    parser.add_argument('--code', required=True)
    parser.add_argument('--scenario', required=True, choices=['code', 'password-then-code'])
    parser.add_argument('--log', required=True)
    args = parser.parse_args()
    logging.basicConfig(filename=args.log, level=logging.INFO, format='%(asctime)s %(message)s')
    with open(args.password_file, encoding='utf-8') as f:
        password = f.read()
    await asyncssh.create_server(
        lambda: Server(args.user, password, args.code, args.scenario), '127.0.0.1', args.port,
        server_host_keys=[args.host_key], process_factory=handle_process, encoding='utf-8')
    logging.info('listening on 127.0.0.1:%d, scenario %s', args.port, args.scenario)
    await asyncio.Event().wait()


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
