import './app.css';
import './forms.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { session } from './lib/session.svelte';

void session.refresh();

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

export default mount(App, { target });
