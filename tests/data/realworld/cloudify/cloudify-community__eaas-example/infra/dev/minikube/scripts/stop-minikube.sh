#!/bin/bash -e

sudo su - docker -c 'minikube stop'
