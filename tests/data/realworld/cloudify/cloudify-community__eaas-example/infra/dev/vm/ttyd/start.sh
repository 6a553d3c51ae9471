#!/usr/bin/env bash

sudo systemctl start ttyd.service
